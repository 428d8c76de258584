using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using Reports.Core.Catalog;
using Reports.Core.Generation.Xlsx;
using Reports.Tests.ReportTypes;

namespace Reports.Tests.Core;

public sealed class XlsxWorkbookWriterTests
{
    private static readonly ReportColumn[] Columns =
    [
        new("id", "Id", ColumnType.Integer),
        new("name", "Name", ColumnType.Text),
        new("amount", "Amount", ColumnType.Decimal, "#,##0.000"),
    ];

    private static readonly DateTimeOffset Created = new(2026, 12, 1, 6, 30, 15, TimeSpan.Zero);

    [Theory]
    [InlineData("=HYPERLINK(\"http://x\")")]
    [InlineData("+1-2")]
    [InlineData("  spaces at both ends  ")]
    [InlineData("line\r\nbreaks\n")]
    [InlineData("<b>&amp;</b> _x0041_")]
    public void Text_is_stored_as_inline_text_exactly_never_as_a_formula(string text)
    {
        var book = Write(w =>
        {
            w.WriteInt64(1);
            w.WriteText(Encoding.UTF8.GetBytes(text));
            w.WriteDecimal(1.5m);
            w.EndRow();
        });

        var cell = book.DataRows.Single()[1]!;
        Assert.Equal("inlineStr", cell.Type);
        Assert.Equal(text, cell.Text.Replace("_x005F_", "_", StringComparison.Ordinal));
    }

    [Fact]
    public void Characters_xml_cannot_hold_are_escaped_so_the_file_still_opens()
    {
        var book = Write(w =>
        {
            w.WriteInt64(1);
            w.WriteText("a\u0001b\uFFFFc\uFFFEd\U0001F600");
            w.WriteDecimal(1m);
            w.EndRow();
        });

        Assert.Equal("a_x0001_b_xFFFF_c_xFFFE_d\U0001F600", book.DataRows.Single()[1]!.Text);
    }

    [Theory]
    [InlineData(40_000, "")]
    [InlineData(32_765, "\U0001F600\U0001F600")]
    public void A_text_longer_than_a_cell_holds_is_cut_at_a_character_and_ends_with_an_ellipsis(int letters, string tail)
    {
        var text = new string('a', letters) + tail;

        var book = Write(w =>
        {
            w.WriteInt64(1);
            w.WriteText(text);
            w.WriteDecimal(1m);
            w.EndRow();
        });

        var stored = book.DataRows.Single()[1]!.Text;
        Assert.True(stored.Length <= XlsxWorkbookWriter.MaxCellCharacters, $"{stored.Length} characters");
        Assert.EndsWith("…", stored, StringComparison.Ordinal);
        Assert.StartsWith(stored[..^1], text, StringComparison.Ordinal);
        Assert.False(char.IsHighSurrogate(stored[^2]), "a character cut in half");
    }

    [Fact]
    public void An_empty_cell_keeps_the_place_of_the_cells_after_it()
    {
        var book = Write(w =>
        {
            w.WriteNull();
            w.WriteNull();
            w.WriteDecimal(2.25m);
            w.EndRow();
        });

        var row = book.DataRows.Single();
        Assert.Null(row[0]);
        Assert.Null(row[1]);
        XlsxBook.AssertCell(2.25m, row[2], "#,##0.000");
    }

    [Fact]
    public void The_same_rows_and_creation_time_make_the_same_bytes()
    {
        static void Rows(XlsxWorkbookWriter w)
        {
            for (var i = 0; i < 5_000; i++)
            {
                w.WriteInt64(i);
                w.WriteText("name " + i);
                w.WriteDecimal(i / 8m);
                w.EndRow();
            }
        }

        Assert.Equal(Bytes(Rows, maxRowsPerSheet: 1_000), Bytes(Rows, maxRowsPerSheet: 1_000));
        Assert.Equal(6, XlsxBook.Read(Bytes(Rows, maxRowsPerSheet: 1_000), 3).Sheets.Count);
    }

    [Fact]
    public void At_excels_own_limit_the_rows_after_1048576_continue_on_a_second_sheet_under_the_header_again()
    {
        const int dataRows = XlsxOptions.ExcelMaxRows - 1 + 2; // a full first sheet under its header, two rows more
        var path = Path.Combine(Path.GetTempPath(), "reports-xlsx-limit-" + Guid.NewGuid().ToString("N") + ".xlsx");
        try
        {
            using (var file = File.Create(path))
            using (var writer = new XlsxWorkbookWriter(new ForwardOnlyStream(file), Columns, new XlsxDocument("Test", "s", "d", Created), XlsxOptions.ExcelMaxRows))
            {
                for (var i = 1; i <= dataRows; i++)
                {
                    writer.WriteInt64(i);
                    writer.WriteText("n");
                    writer.WriteDecimal(i);
                    writer.EndRow();
                }

                writer.Finish();
            }

            // Read with the Open XML SDK's forward-only reader: a DOM of a million rows would not fit in a test.
            using var document = SpreadsheetDocument.Open(path, isEditable: false);
            var workbook = document.WorkbookPart!;
            var sheets = workbook.Workbook.Sheets!.Elements<Sheet>()
                .Select(sheet => (sheet.Name!.Value!, Part: (WorksheetPart)workbook.GetPartById(sheet.Id!.Value!)))
                .ToList();
            Assert.Equal(["Test", "Test (2)"], sheets.Select(s => s.Item1));
            Assert.Equal([XlsxOptions.ExcelMaxRows, 3], sheets.Select(s => CountRows(s.Part)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static int CountRows(WorksheetPart part)
    {
        using var reader = OpenXmlReader.Create(part);
        var rows = 0;
        while (reader.Read())
        {
            if (reader.ElementType == typeof(Row) && reader.IsStartElement)
            {
                rows++;
            }
        }

        return rows;
    }

    private static XlsxBook Write(Action<XlsxWorkbookWriter> rows) => XlsxBook.Read(Bytes(rows, XlsxOptions.ExcelMaxRows), Columns.Length);

    private static byte[] Bytes(Action<XlsxWorkbookWriter> rows, int maxRowsPerSheet)
    {
        using var memory = new MemoryStream();
        using (var writer = new XlsxWorkbookWriter(new ForwardOnlyStream(memory), Columns, new XlsxDocument("Test", "s", "d", Created), maxRowsPerSheet))
        {
            rows(writer);
            writer.Finish();
        }

        return memory.ToArray();
    }
}
