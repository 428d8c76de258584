using System.Text;
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
