using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using Reports.Core.Catalog;

namespace Reports.Core.Generation.Xlsx;

/// <summary>What a workbook's document properties say. <see cref="CreatedAt"/> is also every zip entry's time.</summary>
internal sealed record XlsxDocument(string Title, string Subject, string Description, DateTimeOffset CreatedAt);

/// <summary>
/// Writes a report as an XLSX workbook to a forward-only stream, row by row: each sheet is one deflated zip entry
/// streamed as its rows arrive (a zip on a stream that cannot seek puts each entry's sizes after its data), so memory
/// stays flat whatever the row count. Cells are typed: numbers with their column's number format, dates and timestamps
/// as date serials (UTC) with a date format, text as inline strings (never a formula). Row 1 of every sheet is the bold,
/// frozen header with an autofilter; a sheet that reaches <c>maxRowsPerSheet</c> rows continues on the next one. The
/// bytes depend only on the rows and on <see cref="XlsxDocument"/>: every time inside is its creation time.
/// </summary>
internal sealed class XlsxWorkbookWriter : ICellWriter, IDisposable
{
    private const int FlushAt = 64 * 1024;
    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly long SerialEpochTicks = new DateTime(1899, 12, 30, 0, 0, 0, DateTimeKind.Utc).Ticks;
    private static readonly int SerialEpochDay = new DateOnly(1899, 12, 30).DayNumber;

    private readonly ZipArchive _zip;
    private readonly IReadOnlyList<ReportColumn> _columns;
    private readonly XlsxDocument _document;
    private readonly int _maxRowsPerSheet;
    private readonly byte[][] _plainStyles;
    private readonly byte[][] _boldStyles;
    private readonly ArrayBufferWriter<byte> _buffer = new(FlushAt * 2);
    private readonly List<(string Name, long FilterLastRow)> _sheets = [];
    private readonly byte[] _rowNumber = new byte[10];
    private int _rowNumberLength;
    private Stream? _sheet;
    private long _row;
    private int _cell;
    private bool _bold;

    public XlsxWorkbookWriter(Stream output, IReadOnlyList<ReportColumn> columns, XlsxDocument document, int maxRowsPerSheet)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRowsPerSheet, 3);
        _zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true, Utf8);
        _columns = columns;
        _document = document;
        _maxRowsPerSheet = maxRowsPerSheet;
        _plainStyles = [.. columns.Select((_, i) => Utf8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"<c s=\"{XlsxParts.Style(i, bold: false)}\"")))];
        _boldStyles = [.. columns.Select((_, i) => Utf8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"<c s=\"{XlsxParts.Style(i, bold: true)}\"")))];
        NextSheet();
    }

    /// <summary>Sheets so far.</summary>
    public int Sheets => _sheets.Count;

    /// <summary>Excel's limit on the characters of one cell.</summary>
    public const int MaxCellCharacters = 32_767;

    public void WriteText(string? value)
    {
        if (value is null)
        {
            WriteNull();
            return;
        }

        WriteText(Utf8.GetBytes(value));
    }

    public void WriteText(ReadOnlySpan<byte> utf8)
    {
        utf8 = WithinCellLimit(utf8, out var cut);
        BeginCell();
        // XML readers may drop whitespace at either end of an element's text unless told to keep it.
        _buffer.Write(!utf8.IsEmpty && (IsSpace(utf8[0]) || IsSpace(utf8[^1]))
            ? " t=\"inlineStr\"><is><t xml:space=\"preserve\">"u8
            : " t=\"inlineStr\"><is><t>"u8);
        XmlText.WriteEscaped(utf8, _buffer);
        _buffer.Write(cut ? "…</t></is></c>"u8 : "</t></is></c>"u8);
    }

    /// <summary>
    /// A cell holds at most 32,767 characters (UTF-16 units; Excel calls a longer one a problem with the file's content):
    /// a longer text is cut at a character boundary and ends with an ellipsis.
    /// </summary>
    internal static ReadOnlySpan<byte> WithinCellLimit(ReadOnlySpan<byte> utf8, out bool cut)
    {
        cut = utf8.Length > MaxCellCharacters && System.Text.Encoding.UTF8.GetCharCount(utf8) > MaxCellCharacters;
        if (!cut)
        {
            return utf8; // a UTF-8 byte is at most one UTF-16 unit: short texts are never counted
        }

        var units = 0;
        var at = 0;
        while (true)
        {
            System.Text.Rune.DecodeFromUtf8(utf8[at..], out var rune, out var length);
            if (units + rune.Utf16SequenceLength > MaxCellCharacters - 1) // the ellipsis is the last character
            {
                return utf8[..at];
            }

            units += rune.Utf16SequenceLength;
            at += length;
        }
    }

    public void WriteInt64(long value)
    {
        BeginCell();
        _buffer.Write("><v>"u8);
        Advance(Utf8Formatter.TryFormat(value, _buffer.GetSpan(20), out var written), written);
        _buffer.Write("</v></c>"u8);
    }

    /// <summary>The decimal's own digits: the spreadsheet reads them as its number, with no detour through a double here.</summary>
    public void WriteDecimal(decimal value)
    {
        BeginCell();
        _buffer.Write("><v>"u8);
        Advance(Utf8Formatter.TryFormat(value, _buffer.GetSpan(32), out var written), written);
        _buffer.Write("</v></c>"u8);
    }

    /// <summary>A date serial (days since 1899-12-30), shown with the column's date format.</summary>
    public void WriteDate(DateOnly value) => WriteInt64(value.DayNumber - SerialEpochDay);

    /// <summary>A date serial with the time of day as its fraction, in UTC.</summary>
    public void WriteTimestampUtc(DateTime value)
    {
        var utc = value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value;
        var serial = (utc.Ticks - SerialEpochTicks) / (double)TimeSpan.TicksPerDay;
        BeginCell();
        _buffer.Write("><v>"u8);
        Advance(serial.TryFormat(_buffer.GetSpan(32), out var written, "R", CultureInfo.InvariantCulture), written);
        _buffer.Write("</v></c>"u8);
    }

    /// <summary>An empty cell, with its column's format: cells carry no reference, so each holds its place.</summary>
    public void WriteNull()
    {
        BeginCell();
        _buffer.Write("/>"u8);
    }

    public void EndRow()
    {
        if (_cell == 0)
        {
            StartRow();
        }

        _buffer.Write("</row>"u8);
        _cell = 0;
        if (!_bold)
        {
            _sheets[^1] = (_sheets[^1].Name, _row);
        }

        if (_buffer.WrittenCount >= FlushAt)
        {
            FlushBuffer();
        }
    }

    /// <summary>
    /// Bold rows after the data and an empty row, outside the autofilter's range: each cell a number, a text or empty.
    /// They start a new sheet if this one has no room left for them.
    /// </summary>
    public void WriteTotals(IReadOnlyList<object?[]> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            return;
        }

        if (_row + 1 + rows.Count > _maxRowsPerSheet)
        {
            NextSheet();
        }

        _row++; // the empty row between the data and its totals
        _bold = true;
        foreach (var cells in rows)
        {
            foreach (var cell in cells)
            {
                switch (cell)
                {
                    case null or DBNull:
                    case string { Length: 0 }:
                        WriteNull();
                        break;
                    case string text:
                        WriteText(text);
                        break;
                    case long or int or short:
                        WriteInt64(Convert.ToInt64(cell, CultureInfo.InvariantCulture));
                        break;
                    case decimal number:
                        WriteDecimal(number);
                        break;
                    case DateOnly date:
                        WriteDate(date);
                        break;
                    case DateTime time:
                        WriteTimestampUtc(time);
                        break;
                    default:
                        WriteDecimal(Convert.ToDecimal(cell, CultureInfo.InvariantCulture));
                        break;
                }
            }

            EndRow();
        }

        _bold = false;
    }

    /// <summary>Ends the last sheet and writes the parts around the sheets, then the zip's central directory.</summary>
    public void Finish()
    {
        CloseSheet();
        WriteEntry("xl/workbook.xml", XlsxParts.Workbook(_sheets, _columns.Count));
        WriteEntry("xl/_rels/workbook.xml.rels", XlsxParts.WorkbookRelationships(_sheets.Count));
        WriteEntry("xl/styles.xml", XlsxParts.Styles(_columns));
        WriteEntry("docProps/core.xml", XlsxParts.CoreProperties(_document));
        WriteEntry("docProps/app.xml", XlsxParts.AppProperties());
        WriteEntry("_rels/.rels", XlsxParts.PackageRelationships());
        WriteEntry("[Content_Types].xml", XlsxParts.ContentTypes(_sheets.Count));
        _zip.Dispose();
    }

    public void Dispose()
    {
        _sheet?.Dispose();
        _zip.Dispose();
    }

    private void BeginCell()
    {
        if (_cell == 0)
        {
            StartRow();
        }

        if (_cell >= _columns.Count)
        {
            throw new InvalidOperationException($"A row has more cells than the report's {_columns.Count} columns.");
        }

        // No cell reference: cells follow one another from column A, as their row's position says.
        _buffer.Write(_bold ? _boldStyles[_cell] : _plainStyles[_cell]);
        _cell++;
    }

    private void StartRow()
    {
        if (_row >= _maxRowsPerSheet)
        {
            NextSheet();
        }

        _row++;
        if (!Utf8Formatter.TryFormat(_row, _rowNumber, out _rowNumberLength))
        {
            throw new InvalidOperationException("A row number did not fit.");
        }

        _buffer.Write("<row r=\""u8);
        _buffer.Write(_rowNumber.AsSpan(0, _rowNumberLength));
        _buffer.Write("\">"u8);
    }

    private void NextSheet()
    {
        CloseSheet();
        var number = _sheets.Count + 1;
        _sheets.Add((XlsxParts.SheetName(_document.Title, number), 1));
        _sheet = CreateEntry($"xl/worksheets/sheet{number}.xml").Open();
        _buffer.Write(Utf8.GetBytes(XlsxParts.SheetStart(_columns, selected: number == 1)));
        _buffer.Write("<row r=\"1\">"u8);
        for (var i = 0; i < _columns.Count; i++)
        {
            _buffer.Write(Utf8.GetBytes(string.Create(CultureInfo.InvariantCulture,
                $"<c s=\"{XlsxParts.HeaderStyle}\" t=\"inlineStr\"><is><t>{XlsxParts.Escape(_columns[i].Title)}</t></is></c>")));
        }

        _buffer.Write("</row>"u8);
        _row = 1;
    }

    private void CloseSheet()
    {
        if (_sheet is null)
        {
            return;
        }

        _buffer.Write(Utf8.GetBytes(XlsxParts.SheetEnd(_columns.Count, _sheets[^1].FilterLastRow)));
        FlushBuffer();
        _sheet.Dispose();
        _sheet = null;
    }

    private void FlushBuffer()
    {
        _sheet!.Write(_buffer.WrittenSpan);
        _buffer.ResetWrittenCount();
    }

    private void WriteEntry(string name, string content)
    {
        using var stream = CreateEntry(name).Open();
        stream.Write(Utf8.GetBytes(content));
    }

    private ZipArchiveEntry CreateEntry(string name)
    {
        var entry = _zip.CreateEntry(name, CompressionLevel.Fastest);
        // Zip keeps local clock times: the job's creation time in UTC, the same for every attempt and every machine.
        entry.LastWriteTime = new DateTimeOffset(_document.CreatedAt.UtcDateTime, TimeSpan.Zero);
        return entry;
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r';

    private void Advance(bool succeeded, int written)
    {
        if (!succeeded)
        {
            throw new InvalidOperationException("A value did not fit its reserved width.");
        }

        _buffer.Advance(written);
    }
}
