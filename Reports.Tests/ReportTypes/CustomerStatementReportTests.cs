using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Reports.Core.Generation.Pdf;
using Reports.Tests.Integration;

namespace Reports.Tests.ReportTypes;

[Collection(IntegrationGroup.Name)]
public sealed class CustomerStatementReportTests(Infrastructure infrastructure)
{
    // Independent of the catalog's query: the running balance is recomputed here from the plain rows.
    internal const string OrdersSql = """
        SELECT id, ordered_at, status, items, currency::text, amount FROM sales.orders
        WHERE customer_id = $1 ORDER BY ordered_at, id
        """;

    [Fact]
    public async Task The_csv_lists_the_customers_orders_with_charges_and_a_running_balance()
    {
        var customer = await BusiestCustomerAsync(infrastructure);
        var run = await RunAsync(new { type = "customer-statement", format = "csv", parameters = new { customerId = customer } });

        var rows = Csv.Parse(Encoding.UTF8.GetString(run.Bytes));
        Assert.Equal(["order_id", "ordered_at_utc", "status", "items", "currency", "amount", "charged", "balance"], rows[0]);
        Assert.Equal(await ExpectedAsync(customer), rows.Skip(1));
    }

    [Fact]
    public async Task The_pdf_names_the_customer_and_its_totals_and_final_balance_equal_the_database()
    {
        var customer = await BusiestCustomerAsync(infrastructure);
        var run = await RunAsync(new { type = "customer-statement", format = "pdf", parameters = new { customerId = customer, orientation = "landscape" } });
        var pdf = await PdfText.ReadAsync(run.Bytes);
        var expected = await ExpectedAsync(customer);

        Assert.Equal("842 x 595 pts (A4)", pdf.Info["Page size"]);
        Assert.Contains($"Customer {customer}: ", pdf.Pages[0], StringComparison.Ordinal);
        var layout = new PdfLayout(PdfPageSize.For("A4", "landscape"), hasSubject: true, hasChart: false, totalsRows: 1);
        Assert.Equal(layout.PageCount(expected.Count), pdf.PageCount);
        pdf.AssertEveryPageHasHeaderAndNumber(["Order", "Date (UTC)", "Status", "Items", "Currency", "Amount", "Charged", "Balance"]);

        var balances = pdf.Matches(@"^\s*(\d+)\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2}\s+[a-z]+\s+\d+\s+[A-Z]{3}\s+[\d,.]+\s+[\d,.]+\s+([\d,.]+)\s*$");
        Assert.Equal(expected.Select(r => (r[0], decimal.Parse(r[7], CultureInfo.InvariantCulture))),
            balances.Select(m => (m.Groups[1].Value, SqlRows.Number(m.Groups[2].Value))));
        var total = Assert.Single(pdf.Matches(@"^\s*Total\s+(\d+) orders\s+([\d,]+)\s+([\d,.]+)\s+([\d,.]+)\s+([\d,.]+)\s*$"));
        Assert.Equal(expected.Count.ToString(CultureInfo.InvariantCulture), total.Groups[1].Value);
        Assert.Equal(expected.Sum(r => decimal.Parse(r[5], CultureInfo.InvariantCulture)), SqlRows.Number(total.Groups[3].Value));
        Assert.Equal(decimal.Parse(expected[^1][7], CultureInfo.InvariantCulture), SqlRows.Number(total.Groups[5].Value));
    }

    [Fact]
    public async Task A_customer_that_does_not_exist_is_a_400_problem_naming_customerId()
    {
        var system = await infrastructure.SystemAsync();
        using var client = await system.CreateClientAsync();

        using var response = await client.PostAsJsonAsync("/api/reports", new { type = "customer-statement", format = "pdf", parameters = new { customerId = 999_999_999 } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("No customer 999999999 exists.", problem.GetProperty("errors").GetProperty("parameters.customerId")[0].GetString());
    }

    /// <summary>The customer with the most orders in the dataset, so the statement has a real running balance.</summary>
    internal static async Task<int> BusiestCustomerAsync(Infrastructure infrastructure) =>
        (int)(await SqlRows.ReadAsync(infrastructure.PostgresConnectionString,
            "SELECT customer_id FROM sales.orders GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"))[0][0];

    private async Task<List<string[]>> ExpectedAsync(int customer)
    {
        var balance = 0m;
        var rows = new List<string[]>();
        foreach (var row in await SqlRows.ReadAsync(infrastructure.PostgresConnectionString, OrdersSql, customer))
        {
            var amount = (decimal)row[5];
            var charged = (string)row[2] is "completed" or "pending" ? amount : 0.00m;
            balance += charged;
            rows.Add([.. SqlRows.CsvRow(row), SqlRows.Csv(charged), SqlRows.Csv(balance)]);
        }

        Assert.True(rows.Count > 10, "the busiest customer should have a real statement");
        return rows;
    }

    private async Task<ReportRun> RunAsync(object request)
    {
        var system = await infrastructure.SystemAsync();
        using var client = await system.CreateClientAsync();
        return await ReportRun.RunAsync(client, request);
    }
}
