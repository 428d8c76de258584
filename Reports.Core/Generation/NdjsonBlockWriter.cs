using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Reports.Core.Catalog;

namespace Reports.Core.Generation;

/// <summary>
/// Formats JSON Lines (one object per row, keys the column names, <c>\n</c> after each) straight into a block buffer.
/// Numbers are JSON numbers written from their exact value (a decimal keeps its digits, never goes through a double),
/// timestamps ISO 8601 in UTC with <c>Z</c> (fractions of a second only when there are some), dates <c>yyyy-MM-dd</c>,
/// SQL nulls <c>null</c>. Text is copied from its UTF-8 bytes with only what JSON requires escaped (quote, backslash,
/// control characters), so the same rows always make the same bytes.
/// </summary>
public sealed class NdjsonBlockWriter : RowBlockWriter
{
    private static readonly SearchValues<byte> Escaped = SearchValues.Create([.. Enumerable.Range(0, 0x20).Select(b => (byte)b), (byte)'"', (byte)'\\']);

    /// <summary>Per column, what comes before its value: <c>{"name":</c> for the first, <c>,"name":</c> after.</summary>
    private readonly byte[][] _keys;
    private int _cell;

    public NdjsonBlockWriter(IReadOnlyList<ReportColumn> columns, int targetBlockSize, BlockBuffers buffers)
        : base(targetBlockSize, buffers)
    {
        ArgumentNullException.ThrowIfNull(columns);
        _keys = [.. columns.Select((c, i) => Encoding.UTF8.GetBytes((i == 0 ? "{" : ",") + JsonSerializer.Serialize(c.Name) + ":"))];
    }

    /// <summary>JSON Lines has no header: every line names its keys.</summary>
    public override void WriteHeader(IReadOnlyList<ReportColumn> columns)
    {
    }

    public override void WriteText(ReadOnlySpan<byte> utf8)
    {
        BeginCell();
        Append((byte)'"');
        var rest = utf8;
        while (!rest.IsEmpty)
        {
            var at = rest.IndexOfAny(Escaped);
            if (at < 0)
            {
                Append(rest);
                break;
            }

            Append(rest[..at]);
            AppendEscaped(rest[at]);
            rest = rest[(at + 1)..];
        }

        Append((byte)'"');
    }



    public override void WriteDate(DateOnly value)
    {
        BeginCell();
        Append((byte)'"');
        Advance(value.TryFormat(Reserve(10), out var written, "yyyy-MM-dd", CultureInfo.InvariantCulture), written);
        Append((byte)'"');
    }

    /// <summary>ISO 8601 in UTC: <c>2024-03-01T12:34:56Z</c>, or <c>2024-03-01T12:34:56.123456Z</c> with a fraction.</summary>
    public override void WriteTimestampUtc(DateTime value)
    {
        BeginCell();
        var utc = value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value;
        Append((byte)'"');
        Advance(utc.TryFormat(Reserve(28), out var written, "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture), written);
        Append((byte)'"');
    }

    public override void WriteNull()
    {
        BeginCell();
        Append("null"u8);
    }

    public override void EndRow()
    {
        if (_cell == 0)
        {
            Append((byte)'{');
        }

        Append("}\n"u8);
        _cell = 0;
    }

    protected override void BeginCell()
    {
        if (_cell >= _keys.Length)
        {
            throw new InvalidOperationException($"A row has more cells than the report's {_keys.Length} columns.");
        }

        Append(_keys[_cell++]);
    }

    private void AppendEscaped(byte value)
    {
        switch (value)
        {
            case (byte)'"':
                Append("\\\""u8);
                break;
            case (byte)'\\':
                Append("\\\\"u8);
                break;
            case (byte)'\n':
                Append("\\n"u8);
                break;
            case (byte)'\r':
                Append("\\r"u8);
                break;
            case (byte)'\t':
                Append("\\t"u8);
                break;
            default:
                Append("\\u00"u8);
                Append((byte)"0123456789abcdef"[value >> 4]);
                Append((byte)"0123456789abcdef"[value & 0xF]);
                break;
        }
    }
}
