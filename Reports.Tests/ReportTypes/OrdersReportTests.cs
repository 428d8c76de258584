using System.IO.Compression;
using System.Text;
using Reports.Core.Generation.Pdf;
using Reports.Tests.Integration;

namespace Reports.Tests.ReportTypes;

[Collection(IntegrationGroup.Name)]
public sealed class OrdersReportTests(Infrastructure infrastructure)
{
    internal const string OrdersSql = """
        SELECT o.id, o.ordered_at, c.name, o.country::text, o.status, o.items, o.currency::text, o.amount
        FROM sales.orders o JOIN sales.customers c ON c.id = o.customer_id
        WHERE o.ordered_at >= $1 AND o.ordered_at < $2
        ORDER BY o.ordered_at, o.id
        """;

    [Fact]
    public async Task The_csv_matches_the_database_including_quotes_commas_newlines_unicode_and_formula_prefixes()
    {
        var run = await RunAsync(new { type = "orders", format = "csv", parameters = new { from = "2024-01-01", to = "2024-12-31" } });

        var expected = (await SqlRows.ReadAsync(infrastructure.PostgresConnectionString, OrdersSql, SqlRows.Utc(2024, 1, 1), SqlRows.Utc(2025, 1, 1)))
            .Select(SqlRows.CsvRow).ToList();
        var names = expected.Select(r => r[2]).ToHashSet();
        Assert.Contains(names, n => n.Contains('"', StringComparison.Ordinal));
        Assert.Contains(names, n => n.Contains(',', StringComparison.Ordinal));
        Assert.Contains(names, n => n.Contains('\n', StringComparison.Ordinal));
        Assert.Contains(names, n => n.StartsWith("'=", StringComparison.Ordinal));
        Assert.Contains(names, n => n.StartsWith("'+", StringComparison.Ordinal));
        Assert.Contains(names, n => n.StartsWith("'-", StringComparison.Ordinal));
        Assert.Contains(names, n => n.StartsWith("'@", StringComparison.Ordinal));
        Assert.Contains(names, n => n.Any(c => c > 0x400));

        var rows = Csv.Parse(new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(run.Bytes));
        Assert.Equal(["order_id", "ordered_at_utc", "customer", "country", "status", "items", "currency", "amount"], rows[0]);
        Assert.Equal(expected, rows.Skip(1));
        Assert.Equal(expected.Count, run.RowsWritten);
        Assert.Equal("text/csv", run.ContentType);
    }

    [Fact]
    public async Task A_gzip_csv_downloads_as_csv_gz_and_decompresses_to_the_same_rows()
    {
        var run = await RunAsync(new
        {
            type = "orders", format = "csv", parameters = new { from = "2023-01-01", to = "2024-12-31", compression = "gzip" },
        });

        using var gunzip = new GZipStream(new MemoryStream(run.Bytes), CompressionMode.Decompress);
        using var text = new StreamReader(gunzip, new UTF8Encoding(false, throwOnInvalidBytes: true));
        var rows = Csv.Parse(await text.ReadToEndAsync());
        var expected = (await SqlRows.ReadAsync(infrastructure.PostgresConnectionString, OrdersSql, SqlRows.Utc(2023, 1, 1), SqlRows.Utc(2025, 1, 1)))
            .Select(SqlRows.CsvRow).ToList();

        Assert.True(run.Bytes.Length > ReportsSystem.BlockSizeBytes / 2, "several gzip members, one per block");
        Assert.Equal(expected, rows.Skip(1));
        Assert.EndsWith(".csv.gz", run.FileName, StringComparison.Ordinal);
        Assert.Equal("application/gzip", run.ContentType);
    }

    [Fact]
    public async Task The_pdf_has_every_order_in_order_a_header_and_page_number_on_every_page_and_totals_per_currency()
    {
        var run = await RunAsync(new { type = "orders", format = "pdf", parameters = new { from = "2024-01-01", to = "2024-12-31" } });
        var pdf = await PdfText.ReadAsync(run.Bytes);

        var ids = (await SqlRows.ReadAsync(infrastructure.PostgresConnectionString, OrdersSql, SqlRows.Utc(2024, 1, 1), SqlRows.Utc(2025, 1, 1)))
            .Select(r => (long)r[0]).ToList();
        var totals = await SqlRows.ReadAsync(infrastructure.PostgresConnectionString, """
            SELECT currency::text, count(*), sum(items), sum(amount) FROM sales.orders
            WHERE ordered_at >= $1 AND ordered_at < $2 GROUP BY 1 ORDER BY 1
            """, SqlRows.Utc(2024, 1, 1), SqlRows.Utc(2025, 1, 1));

        Assert.True(ids.Count > ReportsSystem.PageSize, "the PDF should span several keyset pages");
        Assert.Equal("Orders", pdf.Info["Title"]);
        Assert.Equal("842 x 595 pts (A4)", pdf.Info["Page size"]);
        var layout = new PdfLayout(PdfPageSize.For("A4", "landscape"), hasSubject: false, hasChart: false, totalsRows: totals.Count);
        Assert.Equal(layout.PageCount(ids.Count), pdf.PageCount);
        pdf.AssertEveryPageHasHeaderAndNumber(["Order", "Date (UTC)", "Customer", "Country", "Status", "Items", "Currency", "Amount"]);
        Assert.Equal(ids, pdf.Matches(@"^\s*(\d+)\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2}\s").Select(m => long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)));

        var printed = pdf.Matches(@"^\s*Total\s+(\d+) orders\s+([\d,]+)\s+([A-Z]{3})\s+([\d,]+\.\d{2})\s*$")
            .Select(m => (m.Groups[3].Value, long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), SqlRows.Number(m.Groups[2].Value), SqlRows.Number(m.Groups[4].Value)));
        Assert.Equal(totals.Select(t => ((string)t[0], (long)t[1], (decimal)(long)t[2], (decimal)t[3])), printed);
        Assert.Contains($"{ids.Count:#,##0} rows", pdf.Pages[^1], StringComparison.Ordinal);
    }

    private async Task<ReportRun> RunAsync(object request)
    {
        var system = await infrastructure.SystemAsync();
        using var client = await system.CreateClientAsync();
        return await ReportRun.RunAsync(client, request);
    }
}
