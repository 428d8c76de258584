using System.Text;
using Reports.Core.Generation;

namespace Reports.Tests.Core;

public sealed class CsvBlockWriterTests
{
    [Fact]
    public void Quotes_cells_with_separators_quotes_and_newlines()
    {
        var csv = Format(w =>
        {
            w.WriteText("plain");
            w.WriteText("a,b");
            w.WriteText("say \"hi\"");
            w.WriteText("two\nlines");
            w.EndRow();
        });

        Assert.Equal("plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n", csv);
    }

    [Theory]
    [InlineData("=SUM(A1)", "\"'=SUM(A1)\"")]
    [InlineData("+1", "\"'+1\"")]
    [InlineData("-2", "\"'-2\"")]
    [InlineData("@cmd", "\"'@cmd\"")]
    [InlineData("\tx", "\"'\tx\"")]
    public void Neutralises_text_that_a_spreadsheet_would_run_as_a_formula(string value, string expected)
    {
        var csv = Format(w =>
        {
            w.WriteText(value);
            w.EndRow();
        });

        Assert.Equal(expected + "\r\n", csv);
    }

    [Fact]
    public void Writes_numbers_dates_and_timestamps_in_invariant_formats()
    {
        var csv = Format(w =>
        {
            w.WriteInt64(-42);
            w.WriteDecimal(1234567.5m);
            w.WriteDate(new DateOnly(2024, 2, 29));
            w.WriteTimestampUtc(new DateTime(2024, 2, 29, 23, 5, 9, DateTimeKind.Utc));
            w.WriteNull();
            w.EndRow();
        });

        Assert.Equal("-42,1234567.5,2024-02-29,2024-02-29 23:05:09,\r\n", csv);
    }

    [Fact]
    public void Encodes_unicode_as_utf8_without_bom()
    {
        using var writer = new CsvBlockWriter(4096);
        writer.WriteText("Zoë Ångström 東京");
        writer.EndRow();
        using var block = writer.TakeBlock();

        Assert.Equal(Encoding.UTF8.GetBytes("Zoë Ångström 東京\r\n"), block.Memory.ToArray());
    }

    [Fact]
    public void Reports_a_full_block_only_after_the_target_size_and_keeps_rows_whole()
    {
        using var writer = new CsvBlockWriter(1024);
        var rows = 0;
        while (!writer.IsBlockFull)
        {
            writer.WriteInt64(rows++);
            writer.WriteText(new string('x', 100));
            writer.EndRow();
        }

        using var block = writer.TakeBlock();
        var text = Encoding.UTF8.GetString(block.Memory.Span);

        Assert.True(block.Length >= 1024);
        Assert.EndsWith("\r\n", text, StringComparison.Ordinal);
        Assert.Equal(rows, text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(0, writer.Length);
    }

    [Fact]
    public void Grows_past_the_block_size_for_a_row_larger_than_a_block()
    {
        using var writer = new CsvBlockWriter(1024);
        var large = new string('y', 10_000);
        writer.WriteText(large);
        writer.EndRow();

        using var block = writer.TakeBlock();
        Assert.Equal(large + "\r\n", Encoding.UTF8.GetString(block.Memory.Span));
    }

    private static string Format(Action<CsvBlockWriter> write)
    {
        using var writer = new CsvBlockWriter(4096);
        write(writer);
        using var block = writer.TakeBlock();
        return Encoding.UTF8.GetString(block.Memory.Span);
    }
}
