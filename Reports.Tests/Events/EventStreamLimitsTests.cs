using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Reports.Core.Storage;
using Reports.Tests.Engine;
using Reports.Tests.Integration;

namespace Reports.Tests.Events;

/// <summary>
/// Live progress streams against the real API process (real Kestrel, real connections): bounded per owner, and ended
/// when their key is revoked. Each report waits on a queue no worker serves, so its stream stays open.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class EventStreamLimitsTests(Infrastructure infrastructure)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task An_owner_holds_at_most_the_configured_streams_and_gets_a_429_problem_beyond_until_one_closes()
    {
        var api = await infrastructure.ApiProcessAsync();
        var (client, reportId, _) = await QueuedReportAsync(api);
        using var clientScope = client;
        var open = new List<(HttpResponseMessage Response, SseReader Reader)>();
        try
        {
            for (var i = 0; i < Infrastructure.ApiProcessStreamsPerOwner; i++)
            {
                open.Add(await OpenAsync(client, reportId));
            }

            using (var beyond = await ReportStreams.OpenAsync(client, reportId))
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, beyond.StatusCode);
                Assert.Equal("application/problem+json", beyond.Content.Headers.ContentType?.MediaType);
                var problem = await beyond.Content.ReadFromJsonAsync<JsonElement>();
                Assert.Equal("https://reports.example/problems/rate-limited", problem.GetProperty("type").GetString());
            }

            // The client goes away: its place is given back, and a new stream opens.
            open[0].Reader.Dispose();
            open[0].Response.Dispose();
            open.RemoveAt(0);
            await FaultSystem.EventuallyAsync(async () =>
            {
                var again = await ReportStreams.OpenAsync(client, reportId);
                if (again.StatusCode == HttpStatusCode.OK)
                {
                    open.Add((again, new SseReader(await again.Content.ReadAsStreamAsync())));
                    return true;
                }

                again.Dispose();
                return false;
            }, "a stream opens once another has closed", Deadline);
        }
        finally
        {
            foreach (var (response, reader) in open)
            {
                reader.Dispose();
                response.Dispose();
            }
        }
    }

    [Fact]
    public async Task Revoking_the_key_through_this_api_ends_its_stream()
    {
        var api = await infrastructure.ApiProcessAsync();
        using var admin = api.CreateClient(TestSettings.AdminKey);

        var (client, reportId) = await RevokeWhileStreamingAsync(api, admin);

        using (client)
        using (var after = await ReportStreams.OpenAsync(client, reportId))
        {
            Assert.True(after.StatusCode == HttpStatusCode.Unauthorized, $"{after.StatusCode}: {await after.Content.ReadAsStringAsync()}{Environment.NewLine}{api.Output}");
            Assert.Equal("application/problem+json", after.Content.Headers.ContentType?.MediaType); // although it accepts only text/event-stream
        }
    }

    [Fact]
    public async Task Revoking_the_key_through_another_api_process_ends_its_stream_within_a_bounded_time()
    {
        var api = await infrastructure.ApiProcessAsync();

        // The collection's in-process API is another replica on the same database: this process hears nothing of it,
        // and the stream finds the revocation at its own check of the key (every 2 heartbeats at most; 1 s in the tests).
        using var otherReplica = (await infrastructure.SystemAsync()).CreateAdminClient();
        var (client, _) = await RevokeWhileStreamingAsync(api, otherReplica);

        client.Dispose();
    }

    /// <summary>Opens a stream with a new key, revokes the key through <paramref name="admin"/>, and checks the stream ends with nothing more sent.</summary>
    private async Task<(HttpClient Client, string ReportId)> RevokeWhileStreamingAsync(Browser.ApiProcess api, HttpClient admin)
    {
        var (client, reportId, keyId) = await QueuedReportAsync(api);
        var (response, reader) = await OpenAsync(client, reportId);
        using (response)
        using (reader)
        {
            using var revoke = await admin.DeleteAsync(new Uri($"/api/admin/api-keys/{keyId}", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
            Assert.Empty(await ReportStreams.ReadToEndAsync(reader, Deadline));
        }

        return (client, reportId);
    }

    /// <summary>A new owner with a user key on the API process, and a report of it waiting on a queue no worker serves.</summary>
    private async Task<(HttpClient Client, string ReportId, string KeyId)> QueuedReportAsync(Browser.ApiProcess api)
    {
        var owner = "sse-" + Guid.NewGuid().ToString("N")[..16];
        using var admin = api.CreateClient(TestSettings.AdminKey);
        using var created = await admin.PostAsJsonAsync(new Uri("/api/admin/api-keys", UriKind.Relative), new { owner });
        var key = await created.Content.ReadFromJsonAsync<JsonElement>();
        await using var dataSource = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString);
        var job = await new JobStore(dataSource, TimeProvider.System).CreateAsync(NoOpJobs.New("sse-limits") with { Owner = owner }, CancellationToken.None);
        return (api.CreateClient(key.GetProperty("secret").GetString()!), job.Job.Id.ToString(), key.GetProperty("key").GetProperty("id").GetString()!);
    }

    private static async Task<(HttpResponseMessage Response, SseReader Reader)> OpenAsync(HttpClient client, string reportId)
    {
        var response = await ReportStreams.OpenAsync(client, reportId);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reader = new SseReader(await response.Content.ReadAsStreamAsync());
        using var timeout = new CancellationTokenSource(Deadline);
        Assert.Equal("queued", (await reader.ReadAsync(timeout.Token))!.Status);
        return (response, reader);
    }
}
