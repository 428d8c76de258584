using System.Globalization;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace Reports.Tests.ReportTypes;

/// <summary>A cell as the file holds it: its type (<c>n</c> or <c>inlineStr</c>), its text, and its number format's code.</summary>
public sealed record XlsxCell(string Type, string Text, string NumberFormat, bool Bold);

/// <summary>A sheet read back with the Open XML SDK: rows by number, its autofilter range and whether row 1 is frozen.</summary>
public sealed record XlsxSheet(string Name, SortedDictionary<int, XlsxCell?[]> Rows, string? AutoFilter, bool HeaderFrozen, IReadOnlyList<double> Widths)
{
    /// <summary>The rows the autofilter covers, after the header.</summary>
    public IEnumerable<XlsxCell?[]> DataRows
    {
        get
        {
            var last = int.Parse(AutoFilter!.Split(':')[1].TrimStart('A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J'), CultureInfo.InvariantCulture);
            return Rows.Where(r => r.Key > 1 && r.Key <= last).Select(r => r.Value);
        }
    }
}

/// <summary>An XLSX file read back independently of the code that wrote it.</summary>
public sealed record XlsxBook(IReadOnlyList<XlsxSheet> Sheets, string? Title, string? Subject, string? Description, DateTime? Created)
{
    public static XlsxBook Read(byte[] bytes, int columns)
    {
        using var document = SpreadsheetDocument.Open(new MemoryStream(bytes), isEditable: false);
        var workbook = document.WorkbookPart!;
        var formats = workbook.WorkbookStylesPart!.Stylesheet;
        var cellFormats = formats.CellFormats!.Elements<CellFormat>().ToList();
        var fonts = formats.Fonts!.Elements<Font>().ToList();
        var custom = formats.NumberingFormats?.Elements<NumberingFormat>().ToDictionary(f => f.NumberFormatId!.Value, f => f.FormatCode!.Value!) ?? [];
        string FormatCode(uint id) => id switch
        {
            0 => "General",
            1 => "0",
            2 => "0.00",
            3 => "#,##0",
            4 => "#,##0.00",
            _ => custom[id],
        };

        var sheets = new List<XlsxSheet>();
        foreach (var sheet in workbook.Workbook.Sheets!.Elements<Sheet>())
        {
            var part = (WorksheetPart)workbook.GetPartById(sheet.Id!.Value!);
            var rows = new SortedDictionary<int, XlsxCell?[]>();
            using (var reader = OpenXmlReader.Create(part))
            {
                while (reader.Read())
                {
                    if (reader.ElementType != typeof(Row) || !reader.IsStartElement)
                    {
                        continue;
                    }

                    var row = (Row)reader.LoadCurrentElement()!;
                    var cells = new XlsxCell?[columns];
                    var position = 0;
                    foreach (var cell in row.Elements<Cell>())
                    {
                        // A cell without a reference is the one after the previous cell.
                        var index = cell.CellReference?.Value is { } reference ? ColumnIndex(reference) : position;
                        position = index + 1;
                        if (cell.CellValue is null && cell.InlineString is null)
                        {
                            continue;
                        }

                        var format = cellFormats[(int)(cell.StyleIndex?.Value ?? 0)];
                        var bold = fonts[(int)(format.FontId?.Value ?? 0)].Bold is not null;
                        cells[index] = cell.DataType?.Value == CellValues.InlineString
                            ? new XlsxCell("inlineStr", cell.InlineString!.Text!.Text, FormatCode(format.NumberFormatId?.Value ?? 0), bold)
                            : new XlsxCell(cell.DataType is null ? "n" : cell.DataType.InnerText ?? "?", cell.CellValue!.Text, FormatCode(format.NumberFormatId?.Value ?? 0), bold);
                    }

                    rows[(int)row.RowIndex!.Value] = cells;
                }
            }

            var worksheet = part.Worksheet;
            var pane = worksheet.Descendants<Pane>().FirstOrDefault();
            sheets.Add(new XlsxSheet(
                sheet.Name!.Value!,
                rows,
                worksheet.Elements<AutoFilter>().FirstOrDefault()?.Reference?.Value,
                pane is { State.Value: var state, VerticalSplit.Value: 1 } && state == PaneStateValues.Frozen,
                [.. worksheet.Descendants<Column>().Select(c => c.Width!.Value)]));
        }

        var properties = document.PackageProperties;
        return new XlsxBook(sheets, properties.Title, properties.Subject, properties.Description, properties.Created);
    }

    /// <summary>Every sheet's data rows, in order.</summary>
    public List<XlsxCell?[]> DataRows => [.. Sheets.SelectMany(s => s.DataRows)];

    /// <summary>What a cell should hold for a value read from PostgreSQL: typed, with the column's format.</summary>
    public static void AssertCell(object expected, XlsxCell? cell, string numberFormat)
    {
        switch (expected)
        {
            case DBNull:
                Assert.Null(cell);
                return;
            case string text:
                Assert.NotNull(cell);
                Assert.Equal("inlineStr", cell.Type);
                Assert.Equal(text, cell.Text);
                return;
        }

        Assert.NotNull(cell);
        Assert.Equal("n", cell.Type);
        Assert.Equal(numberFormat, cell.NumberFormat);
        switch (expected)
        {
            case long or int:
                Assert.Equal(Convert.ToInt64(expected, CultureInfo.InvariantCulture), long.Parse(cell.Text, CultureInfo.InvariantCulture));
                break;
            case decimal number:
                Assert.Equal(number, decimal.Parse(cell.Text, CultureInfo.InvariantCulture));
                break;
            case DateOnly day:
                Assert.Equal(day.ToDateTime(TimeOnly.MinValue), DateTime.FromOADate(double.Parse(cell.Text, CultureInfo.InvariantCulture)));
                break;
            case DateTime time:
                var read = DateTime.FromOADate(double.Parse(cell.Text, CultureInfo.InvariantCulture));
                Assert.True(Math.Abs((read - time).TotalMilliseconds) <= 1, $"{read:O} is not {time:O}");
                break;
            default:
                Assert.Fail($"No rule for {expected.GetType()}");
                break;
        }
    }

    private static int ColumnIndex(string reference)
    {
        var index = 0;
        foreach (var c in reference.TakeWhile(char.IsLetter))
        {
            index = (index * 26) + (c - 'A' + 1);
        }

        return index - 1;
    }
}
