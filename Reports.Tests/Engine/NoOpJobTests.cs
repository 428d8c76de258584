using System.Net;
using Reports.Core.Queue;
using Reports.Tests.Integration;
using StackExchange.Redis;

namespace Reports.Tests.Engine;

/// <summary>The diagnostics report type: the whole engine path of a job, with no data read and no file written.</summary>
[Collection(FaultGroup.Name)]
public sealed class NoOpJobTests(FaultSystem system)
{
    private static readonly IReadOnlyDictionary<string, string> DiagnosticsWorker =
        new Dictionary<string, string>(FaultSystem.SlowWorker) { ["Reports:Catalog:Diagnostics"] = "true" };

    [Fact]
    public async Task A_noop_job_goes_through_outbox_stream_claim_and_completion_and_succeeds_without_a_file()
    {
        using var client = await system.CreateClientAsync();
        var workerId = "noop-" + Guid.NewGuid().ToString("N")[..6];
        await using var worker = await system.StartWorkerAsync(workerId, DiagnosticsWorker);

        var created = await ReportsClient.CreateAsync(client, new { type = "noop" });
        var id = created.GetProperty("id").GetString()!;
        Assert.Equal("none", created.GetProperty("format").GetString());
        var done = await ReportsClient.WaitForFinalAsync(client, id, TimeSpan.FromMinutes(2));

        Assert.True(done.GetProperty("status").GetString() == "succeeded", done.ToString());
        Assert.Equal(1, done.GetProperty("attempts").GetInt32());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, done.GetProperty("file").ValueKind);
        Assert.Equal(0, done.GetProperty("progress").GetProperty("rowsWritten").GetInt64());
        Assert.Null(await system.JobValueAsync<string>(id, "blob_name"));
        Assert.Null(await system.JobValueAsync<DateTime?>(id, "expires_at"));

        // Claimed by that worker as attempt 1 (the fencing token), and recorded as such.
        await using var attempts = system.Database.CreateCommand("SELECT worker, outcome FROM reports.job_attempts WHERE job_id = $1");
        attempts.Parameters.AddWithValue(Guid.Parse(id));
        await using (var reader = await attempts.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal((workerId, "succeeded"), (reader.GetString(0), reader.GetString(1)));
            Assert.False(await reader.ReadAsync());
        }

        using var download = await client.GetAsync(new Uri($"/api/reports/{id}/download", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Conflict, download.StatusCode);
        Assert.Contains("no file", await download.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The outbox row is gone and the worker acknowledged the message: nothing is left to run it again.
        await using var outbox = system.Database.CreateCommand("SELECT count(*) FROM reports.outbox WHERE job_id = $1");
        outbox.Parameters.AddWithValue(Guid.Parse(id));
        await FaultSystem.EventuallyAsync(async () => (long)(await outbox.ExecuteScalarAsync())! == 0, "the published outbox row is deleted");
        await using var redis = await ConnectionMultiplexer.ConnectAsync(system.Infrastructure.RedisConnectionString);
        await FaultSystem.EventuallyAsync(async () => (await redis.GetDatabase().StreamPendingMessagesAsync(
                QueueNames.Stream(QueueNames.Interactive), QueueNames.ConsumerGroup, 10, workerId)).Length == 0,
            "the worker has no message left pending");
    }

    [Fact]
    public async Task Many_noop_jobs_each_run_exactly_once()
    {
        using var client = await system.CreateClientAsync();
        await using var first = await system.StartWorkerAsync("noop-a-" + Guid.NewGuid().ToString("N")[..6], DiagnosticsWorker);
        await using var second = await system.StartWorkerAsync("noop-b-" + Guid.NewGuid().ToString("N")[..6], DiagnosticsWorker);

        var ids = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            ids.Add((await ReportsClient.CreateAsync(client, new { type = "noop" })).GetProperty("id").GetString()!);
        }

        foreach (var id in ids)
        {
            var done = await ReportsClient.WaitForFinalAsync(client, id, TimeSpan.FromMinutes(2));
            Assert.True(done.GetProperty("status").GetString() == "succeeded", done.ToString());
            Assert.Equal(1, done.GetProperty("attempts").GetInt32());
        }
    }
}
