namespace Reports.Core.Catalog;

public enum ColumnAlignment
{
    Left,
    Right,
}

/// <summary>
/// One column of a report: <see cref="Name"/> is the CSV header (timestamps say <c>_utc</c>),
/// <see cref="Title"/> the PDF heading, <see cref="Width"/> a relative PDF width.
/// </summary>
public sealed record ReportColumn(string Name, string Title, ColumnType Type, string? Format = null, float Width = 1f)
{
    public ColumnAlignment Alignment => Type is ColumnType.Integer or ColumnType.Decimal ? ColumnAlignment.Right : ColumnAlignment.Left;
}
