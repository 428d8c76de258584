using Reports.Tests.Integration;

namespace Reports.Tests.Engine;

/// <summary>
/// A worker frozen in the middle of a report (SIGSTOP: a long pause, a suspended VM) wakes up long after its lease and
/// its time limit, when another worker has taken the job over and finished it. Everything it does then is refused.
/// </summary>
[Collection(FaultGroup.Name)]
public sealed class FrozenWorkerTests(FaultSystem system)
{
    private static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_worker_that_wakes_up_past_its_lease_and_time_limit_leaves_the_finished_report_and_its_file_alone()
    {
        using var client = await system.CreateClientAsync();
        var frozenSettings = new Dictionary<string, string>(FaultSystem.SlowWorker) { ["Reports:Catalog:orders:TimeLimit"] = "00:00:20" };
        await using var frozen = await system.StartWorkerAsync("frozen-" + Guid.NewGuid().ToString("N")[..6], frozenSettings);
        var id = (await ReportsClient.CreateAsync(client, new { type = "orders", parameters = new { from = "2021-01-01", to = "2025-12-31" } }))
            .GetProperty("id").GetString()!;
        await FaultSystem.EventuallyAsync(async () => await system.StagedBlocksAsync(id) >= 3, "the first worker has staged 3 blocks");

        frozen.Freeze();
        string sha256;
        try
        {
            await using var rescuer = await system.StartWorkerAsync("rescuer-" + Guid.NewGuid().ToString("N")[..6]);
            var done = await ReportsClient.WaitForFinalAsync(client, id, TimeSpan.FromMinutes(3));
            Assert.True(done.GetProperty("status").GetString() == "succeeded", done.ToString());
            Assert.Equal(2, done.GetProperty("attempts").GetInt32());
            sha256 = done.GetProperty("file").GetProperty("sha256").GetString()!;

            // The frozen attempt's time limit runs out while it sleeps: it fires the moment the process wakes up.
            var claimedAt = await system.JobValueAsync<DateTime>(id, "started_at");
            await FaultSystem.EventuallyAsync(() => Task.FromResult(DateTime.UtcNow > claimedAt + TimeLimit + TimeSpan.FromSeconds(2)),
                "the frozen attempt's time limit is over");
        }
        finally
        {
            frozen.Resume();
        }

        await FaultSystem.EventuallyAsync(() => Task.FromResult(frozen.Output.ToString().Split('\n').Any(line =>
                line.Contains(id, StringComparison.Ordinal)
                && (line.Contains("timed out", StringComparison.Ordinal) || line.Contains("another attempt owns the job", StringComparison.Ordinal)))),
            "the woken worker has given up its attempt");

        var after = await ReportsClient.WaitForFinalAsync(client, id, TimeSpan.FromSeconds(10));
        Assert.Equal("succeeded", after.GetProperty("status").GetString());
        Assert.Equal(2, after.GetProperty("attempts").GetInt32());
        Assert.Equal(sha256, after.GetProperty("file").GetProperty("sha256").GetString());
        Assert.Equal(sha256, await FaultSystem.DownloadHashAsync(client, id));
    }
}
