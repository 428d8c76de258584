namespace Reports.Core.Catalog.Files;

/// <summary>A catalog folder with errors: all of them, one per line, so one start shows everything to fix.</summary>
public sealed class CatalogFilesException(IReadOnlyList<CatalogError> errors)
    : Exception($"The report catalog has {errors.Count} error(s):{Environment.NewLine}{string.Join(Environment.NewLine, errors)}")
{
    public IReadOnlyList<CatalogError> Errors { get; } = errors;
}
