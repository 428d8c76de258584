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
    private readonly ColumnAlignment? _alignment;

    /// <summary>As set, else numbers to the right and everything else to the left.</summary>
    public ColumnAlignment Alignment
    {
        get => _alignment ?? (Type is ColumnType.Integer or ColumnType.Decimal ? ColumnAlignment.Right : ColumnAlignment.Left);
        init => _alignment = value;
    }
}
