namespace Reports.Core.Catalog;

/// <summary>
/// The totals at the end of a PDF: for each column named in <see cref="Aggregates"/>, an SQL aggregate over all of
/// the report's rows, in which the report's columns are named as in the file (e.g. <c>sum(amount)</c>). With
/// <see cref="GroupBy"/>, one totals row per value of that column (e.g. per currency, since amounts in different
/// currencies do not add up).
/// </summary>
public sealed record ReportTotals(IReadOnlyDictionary<string, string> Aggregates, string? GroupBy = null);
