using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Npgsql;
using Reports.Tests.Integration;

namespace Reports.Tests.EndToEnd;

[Collection(IntegrationGroup.Name)]
public sealed class CsvReportEndToEndTests(Infrastructure infrastructure)
{
    [Fact]
    public async Task An_orders_csv_goes_from_request_to_download_and_matches_the_database_row_by_row()
    {
        var system = await infrastructure.SystemAsync();
        using var client = await system.CreateClientAsync();

        var created = await ReportsClient.CreateAsync(client, new
        {
            type = "orders",
            format = "csv",
            parameters = new { from = "2021-01-01", to = "2025-12-31" },
        });
        var id = created.GetProperty("id").GetString()!;
        Assert.Equal("queued", created.GetProperty("status").GetString());

        var done = await ReportsClient.WaitForFinalAsync(client, id, TimeSpan.FromMinutes(2));
        Assert.True(done.GetProperty("status").GetString() == "succeeded", done.ToString());

        using var redirect = await client.GetAsync(new Uri($"/api/reports/{id}/download", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        using var storage = new HttpClient();
        using var download = await storage.GetAsync(redirect.Headers.Location);
        download.EnsureSuccessStatusCode();
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
        Assert.EndsWith(".csv", download.Content.Headers.ContentDisposition?.FileName?.Trim('"'), StringComparison.Ordinal);
        var bytes = await download.Content.ReadAsByteArrayAsync();

        var file = done.GetProperty("file");
        Assert.Equal(bytes.LongLength, file.GetProperty("sizeBytes").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), file.GetProperty("sha256").GetString());

        var rows = Csv.Parse(new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes));
        var expected = await ExpectedRowsAsync(new DateTime(2021, 1, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        Assert.True(expected.Count >= 20_000, $"the test needs a report spanning several pages; it has {expected.Count} rows");
        Assert.True(bytes.Length > ReportsSystem.BlockSizeBytes * 2, "the file should span several blocks");
        Assert.Equal(["order_id", "ordered_at_utc", "customer", "country", "status", "items", "currency", "amount"], rows[0]);
        Assert.Equal(expected.Count, rows.Count - 1);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i], rows[i + 1]);
        }

        Assert.Equal(expected.Count, done.GetProperty("progress").GetProperty("rowsWritten").GetInt64());
        Assert.Equal(100, done.GetProperty("progress").GetProperty("percent").GetInt32());
    }

    [Fact]
    public async Task The_download_of_an_unfinished_or_unknown_report_is_a_problem_not_a_redirect()
    {
        var system = await infrastructure.SystemAsync();
        using var client = await system.CreateClientAsync();

        using var unknown = await client.GetAsync(new Uri($"/api/reports/{Guid.NewGuid()}/download", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>The same rows read straight from PostgreSQL and formatted as the file should show them.</summary>
    private async Task<List<string[]>> ExpectedRowsAsync(DateTime from, DateTime to)
    {
        await using var dataSource = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString);
        await using var command = dataSource.CreateCommand("""
            SELECT o.id, o.ordered_at, c.name, o.country, o.status, o.items, o.currency, o.amount
            FROM sales.orders o JOIN sales.customers c ON c.id = o.customer_id
            WHERE o.ordered_at >= $1 AND o.ordered_at < $2
            ORDER BY o.ordered_at, o.id
            """);
        command.Parameters.AddWithValue(from);
        command.Parameters.AddWithValue(to);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string[]>();
        while (await reader.ReadAsync())
        {
            var name = reader.GetString(2);
            rows.Add(
            [
                reader.GetInt64(0).ToString(CultureInfo.InvariantCulture),
                reader.GetDateTime(1).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                name.Length > 0 && "=+-@\t\r".Contains(name[0], StringComparison.Ordinal) ? "'" + name : name,
                reader.GetString(3),
                reader.GetString(4),
                reader.GetInt32(5).ToString(CultureInfo.InvariantCulture),
                reader.GetString(6),
                reader.GetDecimal(7).ToString(CultureInfo.InvariantCulture),
            ]);
        }

        return rows;
    }
}
