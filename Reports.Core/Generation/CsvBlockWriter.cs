using System.Buffers.Text;
using Reports.Core.Catalog;

namespace Reports.Core.Generation;

/// <summary>
/// Formats CSV rows (RFC 4180, UTF-8, invariant formats) straight into a block buffer and cuts it
/// into blocks of about <see cref="TargetBlockSize"/> bytes, always at a row boundary.
/// Text cells that a spreadsheet would run as a formula are neutralised with a leading apostrophe.
/// </summary>
public sealed class CsvBlockWriter : RowBlockWriter
{
    private bool _rowHasCells;

    public CsvBlockWriter(int targetBlockSize)
        : this(targetBlockSize, new BlockBuffers(targetBlockSize))
    {
    }

    public CsvBlockWriter(int targetBlockSize, BlockBuffers buffers)
        : base(targetBlockSize, buffers)
    {
    }

    /// <summary>The column names, one header row.</summary>
    public override void WriteHeader(IReadOnlyList<ReportColumn> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        foreach (var column in columns)
        {
            WriteText(column.Name);
        }

        EndRow();
    }

    /// <summary>
    /// A text cell from its UTF-8 bytes. Every byte the rules look at is ASCII, so they hold on UTF-8 as they do on
    /// characters.
    /// </summary>
    public override void WriteText(ReadOnlySpan<byte> utf8)
    {
        BeginCell();
        if (utf8.IsEmpty)
        {
            return;
        }

        var neutralise = utf8[0] is (byte)'=' or (byte)'+' or (byte)'-' or (byte)'@' or (byte)'\t' or (byte)'\r';
        var quote = neutralise || utf8.IndexOfAny(",\"\r\n"u8) >= 0;
        if (!quote)
        {
            Append(utf8);
            return;
        }

        Append((byte)'"');
        if (neutralise)
        {
            Append((byte)'\'');
        }

        var rest = utf8;
        while (!rest.IsEmpty)
        {
            var quoteAt = rest.IndexOf((byte)'"');
            Append(quoteAt < 0 ? rest : rest[..(quoteAt + 1)]);
            if (quoteAt < 0)
            {
                break;
            }

            Append((byte)'"');
            rest = rest[(quoteAt + 1)..];
        }

        Append((byte)'"');
    }



    /// <summary>A calendar date as <c>yyyy-MM-dd</c>.</summary>
    public override void WriteDate(DateOnly value)
    {
        BeginCell();
        Advance(value.TryFormat(Reserve(10), out var written, "yyyy-MM-dd", provider: null), written);
    }

    /// <summary>A UTC timestamp as <c>yyyy-MM-dd HH:mm:ss</c>, which spreadsheets type as a date-time.</summary>
    public override void WriteTimestampUtc(DateTime value)
    {
        BeginCell();
        var utc = value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value;
        Advance(utc.TryFormat(Reserve(19), out var written, "yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture), written);
    }

    public override void WriteNull() => BeginCell();

    /// <summary>Ends the row with CRLF, as RFC 4180 asks.</summary>
    public override void EndRow()
    {
        Append("\r\n"u8);
        _rowHasCells = false;
    }

    protected override void BeginCell()
    {
        if (_rowHasCells)
        {
            Append((byte)',');
        }

        _rowHasCells = true;
    }
}
