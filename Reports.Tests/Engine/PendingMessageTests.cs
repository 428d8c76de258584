using Reports.Core.Queue;
using Reports.Tests.Integration;
using StackExchange.Redis;

namespace Reports.Tests.Engine;

/// <summary>
/// A running job's message stays pending on the worker that runs it for as long as it runs, however many leases that
/// takes: it is what a takeover finds when the worker dies, and what a scale-in guard reading the pending count sees.
/// </summary>
[Collection(FaultGroup.Name)]
public sealed class PendingMessageTests(FaultSystem system)
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task While_jobs_run_longer_than_the_lease_the_pending_messages_are_exactly_the_running_jobs_on_their_workers()
    {
        // Short leases, and free slots on both workers, so each looks for idle messages to take over every two seconds.
        var settings = new Dictionary<string, string>(FaultSystem.SlowWorker)
        {
            ["Reports:Worker:Lease"] = "00:00:02",
            ["Reports:Worker:Heartbeat"] = "00:00:00.500",
            ["Reports:Worker:Queues:reports"] = "2",
        };
        using var client = await system.CreateClientAsync();
        await using var first = await system.StartWorkerAsync("pending-a-" + Guid.NewGuid().ToString("N")[..6], settings);
        await using var second = await system.StartWorkerAsync("pending-b-" + Guid.NewGuid().ToString("N")[..6], settings);
        var request = new { type = "orders", format = "csv", parameters = new { from = "2021-01-01", to = "2025-12-31" } };
        // Four reports on four slots: sharing the machine, each runs for many leases even when the machine is idle.
        var ids = new Guid[4];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = Guid.Parse((await ReportsClient.CreateAsync(client, request)).GetProperty("id").GetString()!);
        }

        await using var redis = await ConnectionMultiplexer.ConnectAsync(system.Infrastructure.RedisConnectionString);

        // Snapshots taken while every job has run for more than two leases (past the first takeover), and only those
        // where PostgreSQL says the same before and after reading Redis (no job started or ended in between).
        var compared = 0;
        var mismatches = new List<string>();
        await FaultSystem.EventuallyAsync(async () =>
        {
            var before = await RunningAsync(ids, Lease * 2);
            var pending = await PendingAsync(redis.GetDatabase(), ids);
            var after = await RunningAsync(ids, Lease * 2);
            if (before?.Count == ids.Length && after?.Count == ids.Length && before.Order().SequenceEqual(after.Order()))
            {
                compared++;
                var running = string.Join(", ", before.Order());
                var held = string.Join(", ", pending.Order());
                if (running != held)
                {
                    mismatches.Add($"running [{running}] but pending [{held}]");
                }
            }

            return await FinishedAsync(ids);
        }, "both reports finish", TimeSpan.FromMinutes(4));

        Assert.Empty(mismatches);
        Assert.True(compared >= 3, $"the reports should run long enough to be compared several times after two leases ({compared})");
        foreach (var id in ids)
        {
            Assert.Equal("succeeded", await system.JobValueAsync<string>(id.ToString(), "status"));
        }
    }

    /// <summary>"job on worker" for each running job whose current attempt began more than <paramref name="runFor"/> ago.</summary>
    private async Task<List<string>?> RunningAsync(Guid[] ids, TimeSpan runFor)
    {
        await using var command = system.Database.CreateCommand("""
            SELECT j.id, j.lease_owner, now() - a.started_at > $2 FROM reports.jobs j
            JOIN reports.job_attempts a ON a.job_id = j.id AND a.attempt = j.attempt
            WHERE j.id = ANY($1) AND j.status = 'running'
            """);
        command.Parameters.AddWithValue(ids);
        command.Parameters.AddWithValue(runFor);
        var running = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            if (!reader.GetBoolean(2))
            {
                return null; // this attempt has not yet run long enough
            }

            running.Add($"{reader.GetGuid(0)} on {reader.GetString(1)}");
        }

        return running;
    }

    /// <summary>"job on consumer" for each pending entry of the interactive stream that carries one of these jobs.</summary>
    private static async Task<List<string>> PendingAsync(IDatabase db, Guid[] ids)
    {
        var stream = QueueNames.Stream(QueueNames.Interactive);
        var held = new List<string>();
        foreach (var entry in await db.StreamPendingMessagesAsync(stream, QueueNames.ConsumerGroup, 1000, RedisValue.Null))
        {
            var messages = await db.StreamRangeAsync(stream, entry.MessageId, entry.MessageId);
            if (messages.Length == 1 && Guid.TryParse(messages[0]["job"].ToString(), out var job) && ids.Contains(job))
            {
                held.Add($"{job} on {entry.ConsumerName}");
            }
        }

        return held;
    }

    private async Task<bool> FinishedAsync(Guid[] ids)
    {
        await using var command = system.Database.CreateCommand(
            "SELECT count(*) FROM reports.jobs WHERE id = ANY($1) AND status IN ('succeeded', 'failed', 'cancelled')");
        command.Parameters.AddWithValue(ids);
        return (long)(await command.ExecuteScalarAsync())! == ids.Length;
    }
}
