namespace Reports.Core.Catalog;

/// <summary>
/// A chart drawn above the table of a PDF: <see cref="ValueColumn"/> summed per <see cref="TimeColumn"/> (a date column)
/// over all of the report's rows, as a line over time.
/// </summary>
public sealed record ReportChart(string Title, string TimeColumn, string ValueColumn);
