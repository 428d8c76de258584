namespace Reports.Core.Generation;

/// <summary>
/// Where a report's rows go, cell by cell, in column order: a CSV or JSON Lines block (<see cref="RowBlockWriter"/>) or
/// a spreadsheet's sheet. <see cref="RowCopier"/> reads each row from PostgreSQL into one.
/// </summary>
public interface ICellWriter
{
    void WriteText(string? value);

    /// <summary>A text cell from its UTF-8 bytes (as PostgreSQL sends them: no string is made per cell).</summary>
    void WriteText(ReadOnlySpan<byte> utf8);

    void WriteInt64(long value);

    void WriteDecimal(decimal value);

    void WriteDate(DateOnly value);

    void WriteTimestampUtc(DateTime value);

    void WriteNull();

    void EndRow();
}
