using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Reports.Tests.Integration;

namespace Reports.Tests.ReportTypes;

[Collection(IntegrationGroup.Name)]
public sealed class NdjsonReportTests(Infrastructure infrastructure)
{
    private static readonly string[] OrdersColumns = ["order_id", "ordered_at_utc", "customer", "country", "status", "items", "currency", "amount"];

    [Fact]
    public async Task The_orders_ndjson_has_one_object_per_order_equal_to_the_database_with_exact_numbers_and_utc_times()
    {
        var run = await RunAsync(new { type = "orders", format = "ndjson", parameters = new { from = "2024-01-01", to = "2024-12-31" } });
        var expected = await SqlRows.ReadAsync(infrastructure.PostgresConnectionString, OrdersReportTests.OrdersSql, SqlRows.Utc(2024, 1, 1), SqlRows.Utc(2025, 1, 1));

        Assert.Equal("application/x-ndjson", run.ContentType);
        Assert.EndsWith(".ndjson", run.FileName, StringComparison.Ordinal);
        Assert.True(expected.Count > ReportsSystem.PageSize, "the report should span several keyset pages");
        AssertLines(expected, OrdersColumns, Text(run.Bytes));
        Assert.Equal(expected.Count, run.RowsWritten);
        // Text that a spreadsheet would run as a formula is data here: kept as it is.
        Assert.Contains(expected, r => ((string)r[2]).StartsWith('='));
    }

    [Fact]
    public async Task A_gzip_ndjson_downloads_as_ndjson_gz_and_decompresses_to_the_same_lines()
    {
        var run = await RunAsync(new { type = "orders", format = "ndjson", parameters = new { from = "2023-01-01", to = "2024-12-31", compression = "gzip" } });
        var expected = await SqlRows.ReadAsync(infrastructure.PostgresConnectionString, OrdersReportTests.OrdersSql, SqlRows.Utc(2023, 1, 1), SqlRows.Utc(2025, 1, 1));

        using var gunzip = new GZipStream(new MemoryStream(run.Bytes), CompressionMode.Decompress);
        using var text = new StreamReader(gunzip, new UTF8Encoding(false, throwOnInvalidBytes: true));
        Assert.True(run.Bytes.Length > ReportsSystem.BlockSizeBytes / 2, "several gzip members, one per block");
        AssertLines(expected, OrdersColumns, await text.ReadToEndAsync());
        Assert.EndsWith(".ndjson.gz", run.FileName, StringComparison.Ordinal);
        Assert.Equal("application/gzip", run.ContentType);
    }

    [Fact]
    public async Task The_daily_sales_ndjson_equals_the_database()
    {
        var run = await RunAsync(new { type = "daily-sales", format = "ndjson", parameters = new { from = "2022-01-01", to = "2025-12-31" } });
        var expected = await SqlRows.ReadAsync(infrastructure.PostgresConnectionString, DailySalesReportTests.DailySql, SqlRows.Utc(2022, 1, 1), SqlRows.Utc(2026, 1, 1));

        AssertLines(expected, ["day", "country", "orders", "items", "revenue_eur", "average_order_eur"], Text(run.Bytes));
    }

    [Fact]
    public async Task The_customer_statement_ndjson_equals_the_orders_with_charges_and_running_balance()
    {
        var customer = await CustomerStatementReportTests.BusiestCustomerAsync(infrastructure);
        var run = await RunAsync(new { type = "customer-statement", format = "ndjson", parameters = new { customerId = customer } });

        AssertLines(await StatementRows.ExpectedAsync(infrastructure, customer),
            ["order_id", "ordered_at_utc", "status", "items", "currency", "amount", "charged", "balance"], Text(run.Bytes));
    }

    private static void AssertLines(List<object[]> expected, string[] columns, string text)
    {
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        var lines = text[..^1].Split('\n');
        Assert.Equal(expected.Count, lines.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            using var line = JsonDocument.Parse(lines[i]);
            var properties = line.RootElement.EnumerateObject().ToList();
            Assert.Equal(columns, properties.Select(p => p.Name));
            for (var c = 0; c < columns.Length; c++)
            {
                AssertValue(expected[i][c], properties[c].Value);
            }
        }
    }

    /// <summary>Numbers as JSON numbers with the database's exact digits, times ISO 8601 in UTC with Z, nulls as null.</summary>
    private static void AssertValue(object expected, JsonElement actual)
    {
        switch (expected)
        {
            case DBNull:
                Assert.Equal(JsonValueKind.Null, actual.ValueKind);
                break;
            case string text:
                Assert.Equal(text, actual.GetString());
                break;
            case long or int or decimal:
                Assert.Equal(JsonValueKind.Number, actual.ValueKind);
                Assert.Equal(((IFormattable)expected).ToString(null, CultureInfo.InvariantCulture), actual.GetRawText());
                break;
            case DateTime time:
                Assert.Equal(time.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture), actual.GetString());
                Assert.Equal(time, DateTime.Parse(actual.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal));
                break;
            case DateOnly day:
                Assert.Equal(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), actual.GetString());
                break;
            default:
                Assert.Fail($"No rule for {expected.GetType()}");
                break;
        }
    }

    private static string Text(byte[] bytes) => new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);

    private async Task<ReportRun> RunAsync(object request)
    {
        var system = await infrastructure.SystemAsync();
        using var client = await system.CreateClientAsync();
        return await ReportRun.RunAsync(client, request);
    }
}
