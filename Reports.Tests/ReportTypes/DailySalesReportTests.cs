using System.Globalization;
using System.Text;
using Reports.Core.Generation.Pdf;
using Reports.Tests.Integration;

namespace Reports.Tests.ReportTypes;

[Collection(IntegrationGroup.Name)]
public sealed class DailySalesReportTests(Infrastructure infrastructure)
{
    // Written independently of the catalog's query: completed orders per UTC day and country, in EUR.
    internal const string DailySql = """
        SELECT date_trunc('day', o.ordered_at AT TIME ZONE 'UTC')::date, o.country::text, count(*), sum(o.items),
               round(sum(o.amount * r.eur), 2), round(sum(o.amount * r.eur) / count(*), 2)
        FROM sales.orders o JOIN sales.fx_rates r USING (currency)
        WHERE o.status = 'completed' AND o.ordered_at >= $1 AND o.ordered_at < $2
        GROUP BY 1, 2 ORDER BY 1, 2
        """;

    [Fact]
    public async Task The_csv_has_one_row_per_day_and_country_equal_to_the_database()
    {
        var run = await RunAsync(new { type = "daily-sales", format = "csv", parameters = new { from = "2022-01-01", to = "2025-12-31" } });

        var expected = (await SqlRows.ReadAsync(infrastructure.PostgresConnectionString, DailySql, SqlRows.Utc(2022, 1, 1), SqlRows.Utc(2026, 1, 1)))
            .Select(SqlRows.CsvRow).ToList();
        var rows = Csv.Parse(Encoding.UTF8.GetString(run.Bytes));

        Assert.True(expected.Count > ReportsSystem.PageSize, "the report should span several keyset pages");
        Assert.Equal(["day", "country", "orders", "items", "revenue_eur", "average_order_eur"], rows[0]);
        Assert.Equal(expected, rows.Skip(1));
        Assert.Equal(expected.Count, run.RowsWritten);
    }

    [Fact]
    public async Task The_pdf_has_a_chart_every_row_a_header_on_every_page_and_grand_totals_equal_to_the_database()
    {
        var run = await RunAsync(new
        {
            type = "daily-sales", format = "pdf",
            parameters = new { from = "2024-01-01", to = "2025-12-31", countries = new[] { "DE", "FR", "US", "JP" }, pageSize = "Letter" },
        });
        var pdf = await PdfText.ReadAsync(run.Bytes);

        var filter = " AND o.country = ANY(ARRAY['DE','FR','US','JP'])";
        var expected = await SqlRows.ReadAsync(infrastructure.PostgresConnectionString,
            DailySql.Replace("GROUP BY", filter + "\nGROUP BY", StringComparison.Ordinal), SqlRows.Utc(2024, 1, 1), SqlRows.Utc(2026, 1, 1));
        var orders = expected.Sum(r => (long)r[2]);
        var items = expected.Sum(r => (long)r[3]);
        var revenue = expected.Sum(r => (decimal)r[4]);

        Assert.Equal("612 x 792 pts (letter)", pdf.Info["Page size"]);
        Assert.Equal("Daily sales by country", pdf.Info["Title"]);
        var layout = new PdfLayout(PdfPageSize.For("Letter", "portrait"), hasSubject: false, hasChart: true, totalsRows: 1);
        Assert.Equal(layout.PageCount(expected.Count), pdf.PageCount);
        pdf.AssertEveryPageHasHeaderAndNumber(["Day (UTC)", "Country", "Orders", "Items", "Revenue (EUR)", "Avg order (EUR)"]);
        Assert.Contains("Revenue per day (EUR, all selected countries)", pdf.Pages[0], StringComparison.Ordinal);

        var printed = pdf.Matches(@"^\s*(\d{4}-\d{2}-\d{2})\s+([A-Z]{2})\s+([\d,]+)\s+([\d,]+)\s+([\d,]+\.\d{2})\s+([\d,]+\.\d{2})\s*$");
        Assert.Equal(
            expected.Select(r => $"{SqlRows.Csv(r[0])} {r[1]} {r[2]} {r[3]} {SqlRows.Csv(r[4])} {SqlRows.Csv(r[5])}"),
            printed.Select(m => string.Join(' ', m.Groups[1].Value, m.Groups[2].Value,
                SqlRows.Number(m.Groups[3].Value), SqlRows.Number(m.Groups[4].Value),
                SqlRows.Number(m.Groups[5].Value).ToString(CultureInfo.InvariantCulture), SqlRows.Number(m.Groups[6].Value).ToString(CultureInfo.InvariantCulture))));

        var total = Assert.Single(pdf.Matches(@"^\s*Total\s+([\d,]+)\s+([\d,]+)\s+([\d,]+\.\d{2})\s+([\d,]+\.\d{2})\s*$"));
        Assert.Equal(orders, SqlRows.Number(total.Groups[1].Value));
        Assert.Equal(items, SqlRows.Number(total.Groups[2].Value));
        Assert.Equal(revenue, SqlRows.Number(total.Groups[3].Value));
        Assert.Equal(Math.Round(revenue / orders, 2), SqlRows.Number(total.Groups[4].Value));
    }

    private async Task<ReportRun> RunAsync(object request)
    {
        var system = await infrastructure.SystemAsync();
        using var client = await system.CreateClientAsync();
        return await ReportRun.RunAsync(client, request);
    }
}
