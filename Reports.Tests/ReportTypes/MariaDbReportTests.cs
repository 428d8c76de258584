using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MySqlConnector;
using Reports.Tests.Integration;

namespace Reports.Tests.ReportTypes;

/// <summary>
/// The built-in reports read from MariaDB (the <c>*-mariadb</c> definitions, on the MariaDB copy of the same dataset):
/// equal row by row to SQL the test runs on MariaDB itself, and file for file to the same report read from PostgreSQL,
/// through keyset pages, list parameters, totals, charts and subjects.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class MariaDbReportTests(Infrastructure infrastructure)
{
    // Written independently of the definitions' queries, in MariaDB's SQL.
    private const string OrdersSql = """
        SELECT o.id, o.ordered_at, c.name, o.country, o.status, o.items, o.currency, o.amount
        FROM sales.orders o JOIN sales.customers c ON c.id = o.customer_id
        WHERE o.ordered_at >= '2022-01-01' AND o.ordered_at < '2026-01-01' AND o.country IN ('US', 'DE', 'GB')
        ORDER BY o.ordered_at, o.id
        """;

    private const string DailySql = """
        SELECT DATE_FORMAT(o.ordered_at, '%Y-%m-%d'), o.country, COUNT(*), SUM(o.items),
               ROUND(SUM(o.amount * r.eur), 2), ROUND(SUM(o.amount * r.eur) / COUNT(*), 2)
        FROM sales.orders o JOIN sales.fx_rates r ON r.currency = o.currency
        WHERE o.status = 'completed' AND o.ordered_at >= '2022-01-01' AND o.ordered_at < '2026-01-01'
        GROUP BY 1, 2 ORDER BY 1, 2
        """;

    private static readonly object OrdersParameters = new { from = "2022-01-01", to = "2025-12-31", countries = new[] { "US", "DE", "GB" } };

    private static readonly object FewerOrders = new { from = "2024-01-01", to = "2024-12-31", countries = new[] { "DE", "FR", "GB" } };

    private static readonly object DailyParameters = new { from = "2022-01-01", to = "2025-12-31" };

    [Fact]
    public async Task The_orders_csv_from_mariadb_equals_the_sql_on_mariadb_and_the_postgresql_file_byte_for_byte()
    {
        var (mariaDb, postgres) = await BothAsync("orders", "csv", OrdersParameters);

        var expected = (await MariaDbRowsAsync(OrdersSql)).Select(SqlRows.CsvRow).ToList();
        var rows = Csv.Parse(new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(mariaDb.Bytes));
        Assert.True(expected.Count > ReportsSystem.PageSize, $"the report should span several keyset pages, got {expected.Count} rows");
        Assert.Equal(expected, rows.Skip(1));
        Assert.Equal(expected.Count, mariaDb.RowsWritten);
        Assert.Equal(Sha256(postgres), Sha256(mariaDb));
    }

    [Fact]
    public async Task The_daily_sales_csv_from_mariadb_equals_the_sql_on_mariadb_and_the_postgresql_file_byte_for_byte()
    {
        var (mariaDb, postgres) = await BothAsync("daily-sales", "csv", DailyParameters);

        var expected = (await MariaDbRowsAsync(DailySql)).Select(SqlRows.CsvRow).ToList();
        var rows = Csv.Parse(Encoding.UTF8.GetString(mariaDb.Bytes));
        Assert.True(expected.Count > ReportsSystem.PageSize, "the report should span several keyset pages (keys: a day, then a text)");
        Assert.Equal(expected, rows.Skip(1));
        Assert.Equal(Sha256(postgres), Sha256(mariaDb));
    }

    [Fact]
    public async Task The_customer_statement_csv_and_ndjson_from_mariadb_equal_the_postgresql_files()
    {
        var customer = await CustomerStatementReportTests.BusiestCustomerAsync(infrastructure);
        var parameters = new { customerId = customer };

        foreach (var format in (string[])["csv", "ndjson"])
        {
            var (mariaDb, postgres) = await BothAsync("customer-statement", format, parameters);
            Assert.True(mariaDb.RowsWritten > 10, $"the statement should have rows ({mariaDb.RowsWritten})");
            Assert.Equal(Sha256(postgres), Sha256(mariaDb));
        }
    }

    [Theory]
    [InlineData("orders")]
    [InlineData("daily-sales")]
    [InlineData("customer-statement")]
    public async Task The_pdf_from_mariadb_shows_what_the_postgresql_pdf_shows_rows_totals_chart_and_subject(string type)
    {
        object parameters = type switch
        {
            "orders" => FewerOrders,
            "daily-sales" => DailyParameters,
            _ => new { customerId = await CustomerStatementReportTests.BusiestCustomerAsync(infrastructure) },
        };

        var (mariaDb, postgres) = await BothAsync(type, "pdf", parameters);
        var fromMariaDb = await PdfText.ReadAsync(mariaDb.Bytes);
        var fromPostgres = await PdfText.ReadAsync(postgres.Bytes);

        Assert.True(fromMariaDb.PageCount > 1 || type == "customer-statement", $"several pages ({fromMariaDb.PageCount})");
        Assert.Equal(fromPostgres.PageCount, fromMariaDb.PageCount);
        var (expected, actual) = (Comparable(fromPostgres), Comparable(fromMariaDb));
        var differs = expected.Zip(actual).Select((pair, line) => (pair, line)).FirstOrDefault(p => p.pair.First != p.pair.Second);
        Assert.True(expected.SequenceEqual(actual), $"line {differs.line + 1}: PostgreSQL '{differs.pair.First}', MariaDB '{differs.pair.Second}'");
    }

    [Fact]
    public async Task The_daily_sales_xlsx_from_mariadb_holds_the_cells_of_the_postgresql_workbook()
    {
        var (mariaDb, postgres) = await BothAsync("daily-sales", "xlsx", DailyParameters);
        var fromMariaDb = XlsxBook.Read(mariaDb.Bytes, columns: 6);
        var fromPostgres = XlsxBook.Read(postgres.Bytes, columns: 6);

        static List<string> Cells(XlsxBook book) =>
            [.. book.Sheets.SelectMany(s => s.Rows.Values).Select(r => string.Join('|', r.Select(c => $"{c?.Type}:{c?.Text}:{c?.NumberFormat}")))];
        Assert.True(Cells(fromMariaDb).Count > ReportsSystem.PageSize, "rows of several keyset pages");
        Assert.Equal(Cells(fromPostgres), Cells(fromMariaDb));
        Assert.Equal("Daily sales by country (MariaDB)", fromMariaDb.Title);
    }

    [Fact]
    public async Task A_customer_missing_from_mariadb_is_a_400_naming_the_parameter()
    {
        var system = await infrastructure.SystemAsync();
        using var client = await system.CreateClientAsync();

        using var response = await client.PostAsJsonAsync(new Uri("/api/reports", UriKind.Relative),
            new { type = "customer-statement-mariadb", format = "csv", parameters = new { customerId = int.MaxValue } });

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("No customer", problem.GetProperty("errors").GetProperty("parameters.customerId")[0].GetString(), StringComparison.Ordinal);
    }

    /// <summary>The report from MariaDB (<c>TYPE-mariadb</c>) and from PostgreSQL (<c>TYPE</c>), with the same parameters.</summary>
    private async Task<(ReportRun MariaDb, ReportRun Postgres)> BothAsync(string type, string format, object parameters)
    {
        var system = await infrastructure.SystemAsync();
        using var client = await system.CreateClientAsync();
        var mariaDb = await ReportRun.RunAsync(client, new { type = type + "-mariadb", format, parameters });
        var postgres = await ReportRun.RunAsync(client, new { type, format, parameters });
        return (mariaDb, postgres);
    }

    /// <summary>
    /// A PDF's text without what names the definition or the moment (its title, the generation line), and with the spaces
    /// the text extraction puts between cells collapsed (it spaces a page's columns by the widest line, the title's too).
    /// </summary>
    private static List<string> Comparable(PdfText pdf) =>
        [.. pdf.Lines.Where(l => !l.Contains("Generated ", StringComparison.Ordinal))
            .Select(l => string.Join(' ', l.Replace(" (MariaDB)", "", StringComparison.Ordinal).Split(' ', StringSplitOptions.RemoveEmptyEntries)))];

    private static string Sha256(ReportRun run) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(run.Bytes));

    private async Task<List<object[]>> MariaDbRowsAsync(string sql)
    {
        var server = await infrastructure.MariaDb.ServerAsync();
        await using var connection = new MySqlConnection(server.ReaderConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        return await SqlRows.AllAsync(reader);
    }
}
