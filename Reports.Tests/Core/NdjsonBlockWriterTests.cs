using System.Text;
using System.Text.Json;
using Reports.Core.Catalog;
using Reports.Core.Generation;

namespace Reports.Tests.Core;

public sealed class NdjsonBlockWriterTests
{
    private static readonly ReportColumn[] Columns =
    [
        new("id", "Id", ColumnType.Integer),
        new("at_utc", "At", ColumnType.Timestamp),
        new("day", "Day", ColumnType.Date),
        new("name", "Name", ColumnType.Text),
        new("amount", "Amount", ColumnType.Decimal),
    ];

    [Fact]
    public void Writes_one_object_per_row_keyed_by_column_names_with_exact_numbers_and_utc_times()
    {
        var text = Format(w =>
        {
            w.WriteInt64(-42);
            w.WriteTimestampUtc(new DateTime(2024, 2, 29, 23, 59, 58, DateTimeKind.Utc).AddTicks(1234560));
            w.WriteDate(new DateOnly(2024, 1, 2));
            w.WriteText("=SUM(A1)"u8);
            w.WriteDecimal(79228162514264337593543950.335m);
            w.EndRow();
            w.WriteInt64(7);
            w.WriteTimestampUtc(new DateTime(2024, 3, 1, 0, 0, 0, DateTimeKind.Utc));
            w.WriteNull();
            w.WriteText("");
            w.WriteDecimal(12.30m);
            w.EndRow();
        });

        Assert.Equal(
            """{"id":-42,"at_utc":"2024-02-29T23:59:58.123456Z","day":"2024-01-02","name":"=SUM(A1)","amount":79228162514264337593543950.335}""" + "\n"
            + """{"id":7,"at_utc":"2024-03-01T00:00:00Z","day":null,"name":"","amount":12.30}""" + "\n",
            text);
    }

    [Theory]
    [InlineData("say \"hi\"")]
    [InlineData("back\\slash")]
    [InlineData("two\nlines\r\n")]
    [InlineData("tab\tbell\u0007nul\0")]
    [InlineData("Ελληνικά, русский, Tiếng Việt \u2028 😀")]
    public void Text_round_trips_through_a_json_parser(string value)
    {
        var text = Format(w =>
        {
            w.WriteInt64(1);
            w.WriteNull();
            w.WriteNull();
            w.WriteText(Encoding.UTF8.GetBytes(value));
            w.WriteNull();
            w.EndRow();
        });

        Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        using var line = JsonDocument.Parse(text);
        Assert.Equal(value, line.RootElement.GetProperty("name").GetString());
    }

    private static string Format(Action<NdjsonBlockWriter> write)
    {
        using var writer = new NdjsonBlockWriter(Columns, 64 * 1024, new BlockBuffers(64 * 1024));
        writer.WriteHeader(Columns);
        write(writer);
        using var block = writer.TakeBlock();
        return Encoding.UTF8.GetString(block.Memory.Span);
    }
}
