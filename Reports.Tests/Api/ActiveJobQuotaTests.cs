using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;
using Reports.Tests.Integration;

namespace Reports.Tests.Api;

/// <summary>
/// The active-job quota under concurrent requests, with and without Idempotency-Key. The API writes to a database of its
/// own, which no worker serves, so every accepted job stays unfinished and the count is exact.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class ActiveJobQuotaTests(Infrastructure infrastructure)
{
    private const int Quota = 5;
    private const int Requests = 24;
    private static readonly object SmallReport = new { type = "orders", parameters = new { from = "2024-01-01", to = "2024-01-02" } };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Concurrent_creates_leave_exactly_the_quota_of_unfinished_jobs(bool withIdempotencyKeys)
    {
        var (api, database) = await ApiAsync();
        await using var _ = api;
        using var client = await ApiClients.NewUserAsync(api);

        var responses = await Task.WhenAll(Enumerable.Range(0, Requests).Select(async i =>
        {
            using var response = await PostAsync(client, withIdempotencyKeys ? $"burst-{i}" : null);
            return (response.StatusCode, Type: response.StatusCode == HttpStatusCode.TooManyRequests
                ? (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString() : null);
        }));

        Assert.Equal(Quota, responses.Count(r => r.StatusCode == HttpStatusCode.Accepted));
        Assert.Equal(Requests - Quota, responses.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests));
        Assert.All(responses.Where(r => r.Type is not null), r => Assert.Equal("https://reports.example/problems/concurrent-job-quota", r.Type));
        Assert.Equal(Quota, await UnfinishedJobsAsync(database));
    }

    [Fact]
    public async Task At_the_quota_a_replayed_idempotency_key_answers_its_report_and_a_new_key_is_refused()
    {
        var (api, database) = await ApiAsync();
        await using var _ = api;
        using var client = await ApiClients.NewUserAsync(api);
        var first = await ReportsClient.CreateAsync(client, SmallReport, idempotencyKey: "first");
        for (var i = 1; i < Quota; i++)
        {
            await ReportsClient.CreateAsync(client, SmallReport, idempotencyKey: $"more-{i}");
        }

        using var replay = await PostAsync(client, "first");
        using var another = await PostAsync(client, "one-too-many");

        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(first.GetProperty("id").GetString(), (await replay.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.TooManyRequests, another.StatusCode);
        Assert.Equal(Quota, await UnfinishedJobsAsync(database));
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string? idempotencyKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/reports") { Content = JsonContent.Create(SmallReport) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return await client.SendAsync(request);
    }

    private async Task<(WebApplicationFactory<Reports.Api.ApiMarker> Api, string Database)> ApiAsync()
    {
        await infrastructure.SystemAsync(); // the collection's servers are up
        var database = await IsolatedDatabase.CreateAsync(infrastructure);
        var api = new WebApplicationFactory<Reports.Api.ApiMarker>().WithWebHostBuilder(builder =>
        {
            TestSettings.Apply(builder, infrastructure, "quota-api");
            builder.UseSetting("ConnectionStrings:reportsdb", database);
            builder.UseSetting("Reports:Api:MaxActiveJobsPerOwner", Quota.ToString(System.Globalization.CultureInfo.InvariantCulture));
        });
        return (api, database);
    }

    private static async Task<long> UnfinishedJobsAsync(string database)
    {
        await using var source = NpgsqlDataSource.Create(database);
        await using var count = source.CreateCommand("SELECT count(*) FROM reports.jobs WHERE status IN ('queued', 'retrying', 'running', 'cancelling')");
        return (long)(await count.ExecuteScalarAsync())!;
    }
}
