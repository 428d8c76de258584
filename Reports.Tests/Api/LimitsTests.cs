using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Reports.Tests.Integration;

namespace Reports.Tests.Api;

[Collection(IntegrationGroup.Name)]
public sealed class LimitsTests(Infrastructure infrastructure)
{
    private static readonly object SmallReport = new { type = "orders", parameters = new { from = "2024-01-01", to = "2024-01-02" } };

    [Fact]
    public async Task Creating_faster_than_the_owners_rate_is_429_with_retry_after()
    {
        await infrastructure.SystemAsync();
        await using var api = Api(("Reports:Api:CreatesPerMinute", "3"));
        using var client = await ApiClients.NewUserAsync(api);

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 5; i++)
        {
            var response = await client.PostAsJsonAsync(new Uri("/api/reports", UriKind.Relative), SmallReport);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited ??= response;
            }
        }

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        Assert.NotNull(limited!.Headers.RetryAfter);
        var problem = await limited.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("https://reports.example/problems/rate-limited", problem.GetProperty("type").GetString());
    }

    [Fact]
    public async Task An_owner_at_the_concurrent_job_quota_gets_429_with_the_quota_problem_type()
    {
        await infrastructure.SystemAsync();
        await using var api = Api(("Reports:Api:MaxActiveJobsPerOwner", "2"));
        using var client = await ApiClients.NewUserAsync(api);
        var owner = "quota-" + Guid.NewGuid().ToString("N")[..8];
        using var admin = ApiClients.Admin(api);
        using var quotaClient = ApiClients.WithKey(api, await ApiClients.CreateKeyAsync(admin, owner));

        // No worker serves this API's jobs quickly enough to matter: two unfinished jobs fill the quota.
        await using (var dataSource = Npgsql.NpgsqlDataSource.Create(infrastructure.PostgresConnectionString))
        {
            await using var insert = dataSource.CreateCommand("""
                INSERT INTO reports.jobs (id, owner, report_type, format, parameters, parameters_hash, queue, status, max_attempts)
                SELECT gen_random_uuid(), $1, 'orders', 'csv', '{}', 'x', 'nowhere', 'queued', 1 FROM generate_series(1, 2)
                """);
            insert.Parameters.AddWithValue(owner);
            await insert.ExecuteNonQueryAsync();
        }

        using var response = await quotaClient.PostAsJsonAsync(new Uri("/api/reports", UriKind.Relative), SmallReport);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("https://reports.example/problems/concurrent-job-quota", problem.GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_body_over_the_size_limit_is_413()
    {
        var system = await infrastructure.SystemAsync();
        using var client = await system.CreateClientAsync();
        using var content = new StringContent("{\"type\":\"orders\",\"x\":\"" + new string('a', 200_000) + "\"}", System.Text.Encoding.UTF8, "application/json");

        using var response = await client.PostAsync(new Uri("/api/reports", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task An_expired_download_url_is_refused_by_storage()
    {
        var system = await infrastructure.SystemAsync();
        await using var api = Api(("Reports:Download:LinkLifetime", "00:01:00"));
        using var client = await ApiClients.NewUserAsync(api);
        var id = (await ReportsClient.CreateAsync(client, SmallReport)).GetProperty("id").GetString()!;
        var done = await ReportsClient.WaitForFinalAsync(client, id, TimeSpan.FromMinutes(2));
        var url = done.GetProperty("file").GetProperty("download").GetProperty("url").GetString()!;

        // The same link with its expiry moved into the past: the signature no longer matches, and an honest past
        // expiry is refused the same way; storage decides, not the API.
        var tampered = System.Text.RegularExpressions.Regex.Replace(url, "se=[^&]+", "se=2020-01-01T00%3A00%3A00Z");
        using var storage = new HttpClient();
        using var refused = await storage.GetAsync(new Uri(tampered));
        using var fresh = await storage.GetAsync(new Uri(url));

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        Assert.NotNull(system);
    }

    private WebApplicationFactory<Reports.Api.ApiMarker> Api(params (string Key, string Value)[] settings) =>
        new WebApplicationFactory<Reports.Api.ApiMarker>().WithWebHostBuilder(builder =>
        {
            TestSettings.Apply(builder, infrastructure, "limits-api");
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        });
}
