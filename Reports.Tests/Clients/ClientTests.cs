using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Reports.LocalServers;
using Reports.Tests.Integration;
using Reports.Tests.ReportTypes;

namespace Reports.Tests.Clients;

/// <summary>
/// The clients in clients/ as an application uses them, against the API as a process of its own and the collection's
/// worker: each script creates an orders CSV with an Idempotency-Key (twice: the same report, replayed), follows it to
/// the end, downloads it through the signed URL, and verifies the worker's real signed webhook in its own receiver,
/// refusing a tampered body and an old timestamp. The test checks what the scripts report against the database.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class ClientTests(Infrastructure infrastructure)
{
    private const string From = "2024-01-01";
    private const string To = "2024-12-31";
    private static readonly string ClientsFolder = Path.Combine(ToolPaths.RepositoryRoot, "clients");

    [Fact]
    public async Task The_TypeScript_client_generated_from_the_served_document_creates_follows_downloads_and_verifies_a_webhook()
    {
        var folder = Path.Combine(ClientsFolder, "typescript");
        Assert.True(File.Exists(Path.Combine(folder, "node_modules", "openapi-fetch", "package.json")),
            "clients/typescript/node_modules is missing: ./reports test installs it (npm ci).");
        var api = await infrastructure.ApiProcessAsync();

        // The types come from the document this API serves, so the hand-written layer is type-checked against it.
        var document = Directory.CreateTempSubdirectory("reports-ts-client-");
        try
        {
            using var anonymous = new HttpClient { BaseAddress = api.BaseAddress };
            var served = Path.Combine(document.FullName, "openapi.json");
            await File.WriteAllTextAsync(served, await anonymous.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)));
            (await ClientScript.RunAsync("node", ["node_modules/openapi-typescript/bin/cli.js", served, "--output", "src/generated/schema.ts"], folder))
                .AssertSucceeded("openapi-typescript");
        }
        finally
        {
            document.Delete(recursive: true);
        }

        (await ClientScript.RunAsync("node", ["node_modules/typescript/bin/tsc", "-p", "tsconfig.json"], folder)).AssertSucceeded("tsc");
        var (client, environment) = await UserAsync(api);
        var run = await ClientScript.RunAsync("node", ["dist/test/client.test.js"], folder, environment);

        await AssertRunAsync(run.Result, client, expectedReceiverStatus: 204);
    }

    [Fact]
    public async Task The_PHP_client_creates_follows_downloads_and_its_controller_under_php_S_verifies_a_webhook()
    {
        var api = await infrastructure.ApiProcessAsync();
        var (client, environment) = await UserAsync(api);

        var run = await ClientScript.RunAsync("php", ["test/client_test.php"], Path.Combine(ClientsFolder, "php"), environment);

        await AssertRunAsync(run.Result, client, expectedReceiverStatus: 200);
    }

    /// <summary>A new owner's key, as a client for the test and as the script's environment.</summary>
    private static async Task<(HttpClient Client, Dictionary<string, string> Environment)> UserAsync(Browser.ApiProcess api)
    {
        using var admin = api.CreateClient(TestSettings.AdminKey);
        var key = await ApiClients.CreateKeyAsync(admin, "client-" + Guid.NewGuid().ToString("N")[..12]);
        return (api.CreateClient(key), new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["REPORTS_URL"] = api.BaseAddress.ToString().TrimEnd('/'),
            ["REPORTS_KEY"] = key,
            ["REPORTS_FROM"] = From,
            ["REPORTS_TO"] = To,
        });
    }

    private async Task AssertRunAsync(JsonElement result, HttpClient client, int expectedReceiverStatus)
    {
        using (client)
        {
            var id = result.GetProperty("reportId").GetString()!;
            Assert.Equal(id, result.GetProperty("replayedId").GetString());
            using var list = await client.GetAsync(new Uri("/api/reports?type=orders", UriKind.Relative));
            var reports = JsonDocument.Parse(await list.Content.ReadAsStringAsync()).RootElement.GetProperty("items");
            Assert.Equal(1, reports.GetArrayLength()); // the replayed create made no second report (a bad one made none either)

            // The CSV the script downloaded: the header, one record per order in the range, and the file's bytes.
            var expectedRows = (await SqlRows.ReadAsync(infrastructure.PostgresConnectionString,
                "SELECT count(*) FROM sales.orders o JOIN sales.customers c ON c.id = o.customer_id WHERE o.ordered_at >= $1 AND o.ordered_at < $2",
                SqlRows.Utc(2024, 1, 1), SqlRows.Utc(2025, 1, 1)))[0][0];
            Assert.Equal(["order_id", "ordered_at_utc", "customer", "country", "status", "items", "currency", "amount"],
                result.GetProperty("header").EnumerateArray().Select(h => h.GetString()));
            Assert.Equal(Convert.ToInt64(expectedRows, System.Globalization.CultureInfo.InvariantCulture), result.GetProperty("rows").GetInt64());
            Assert.True(result.GetProperty("rows").GetInt64() > ReportsSystem.PageSize, "the report should span several pages");
            Assert.Equal(await DownloadedSha256Async(client, id), result.GetProperty("sha256").GetString());

            // The worker's delivery was answered by the script's receiver, which answers 2xx only to a verified signature.
            var deliveries = await client.GetFromJsonAsync<JsonElement>($"/api/reports/{id}/webhook-deliveries");
            var delivery = Assert.Single(deliveries.GetProperty("items").EnumerateArray());
            Assert.Equal("succeeded", delivery.GetProperty("status").GetString());
            Assert.Equal(1, delivery.GetProperty("attempts").GetInt32());
            Assert.Equal(expectedReceiverStatus, delivery.GetProperty("lastStatusCode").GetInt32());
            Assert.Equal("report.succeeded", result.GetProperty("webhookEvent").GetString());
        }
    }

    /// <summary>The file as this test downloads it itself, through the API's redirect.</summary>
    private static async Task<string> DownloadedSha256Async(HttpClient client, string id)
    {
        using var redirect = await client.GetAsync(new Uri($"/api/reports/{id}/download", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Found, redirect.StatusCode);
        using var blobs = new HttpClient();
        var bytes = await blobs.GetByteArrayAsync(redirect.Headers.Location);
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }
}
