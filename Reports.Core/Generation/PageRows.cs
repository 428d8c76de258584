namespace Reports.Core.Generation;

/// <summary>
/// How many rows the next keyset page of a file written row by row asks for. A page's blocks wait in memory until the
/// page is closed (its statement stays open while rows are read), so a page is bounded by bytes as well as rows: at most
/// <see cref="GenerationOptions.PageSize"/> rows and about two blocks of formatted bytes at the width the last page had.
/// The first page, whose width is not known yet, asks for at most <see cref="FirstPageRows"/>.
/// </summary>
public static class PageRows
{
    public const int FirstPageRows = 10_000;

    /// <summary>Fewest rows a page asks for, however wide its rows: a page always moves the file on by a fair step.</summary>
    public const int FewestRows = 100;

    public static int First(GenerationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Math.Min(options.PageSize, FirstPageRows);
    }

    /// <summary>The next page's rows after a full page of <paramref name="rows"/> rows that formatted to <paramref name="bytes"/> bytes.</summary>
    public static int Next(GenerationOptions options, long bytes, int rows)
    {
        ArgumentNullException.ThrowIfNull(options);
        var bytesPerRow = Math.Max(1, bytes / Math.Max(1, rows));
        var fit = 2L * options.BlockSizeBytes / bytesPerRow;
        return (int)Math.Clamp(fit, Math.Min(FewestRows, options.PageSize), options.PageSize);
    }
}
