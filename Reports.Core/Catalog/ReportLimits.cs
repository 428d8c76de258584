namespace Reports.Core.Catalog;

/// <summary>
/// How big and how long one run of a report may be. A run over a limit fails at once with a message naming the limit,
/// before it writes anything: the row count and the PDF page count are known before the first row is drawn.
/// </summary>
public sealed record ReportLimits
{
    public static ReportLimits Default { get; } = new();

    /// <summary>Rows in one file, whatever the format.</summary>
    public long MaxRows { get; init; } = 10_000_000;

    /// <summary>Pages in one PDF.</summary>
    public int MaxPdfPages { get; init; } = 20_000;

    /// <summary>How long one attempt may run before the job engine stops it.</summary>
    public TimeSpan TimeLimit { get; init; } = TimeSpan.FromMinutes(30);
}
