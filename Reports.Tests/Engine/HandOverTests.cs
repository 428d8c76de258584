using System.Text.Json;
using Reports.Core.Queue;
using Reports.Core.Storage;
using Reports.Tests.Integration;

namespace Reports.Tests.Engine;

/// <summary>Attempts count failures: a job handed back on shutdown or scale-in is not a job that failed.</summary>
[Collection(FaultGroup.Name)]
public sealed class HandOverTests(FaultSystem system)
{
    [Fact]
    public async Task A_job_handed_over_more_times_than_it_has_attempts_is_not_dead_lettered_and_succeeds()
    {
        using var admin = system.CreateAdminClient();
        var store = new JobStore(system.Database, TimeProvider.System);
        var created = await store.CreateAsync(
            OrdersJobs.New("hand-over-", QueueNames.Interactive, maxAttempts: 2, from: "2021-01-01", to: "2025-12-31"), CancellationToken.None);
        var id = created.Job.Id.ToString();

        // Three rolling restarts: each worker claims the job and gives it back as it stops.
        for (var i = 0; i < 3; i++)
        {
            var claim = await store.ClaimAsync(created.Job.Id, $"rolling-{i}", TimeSpan.FromMinutes(1), CancellationToken.None);
            Assert.NotNull(claim);
            Assert.True(await store.ReleaseAsync(claim, CancellationToken.None));
        }

        // Then a real scale-in: a worker stopped (SIGTERM) in the middle of the report releases it.
        var longLease = new Dictionary<string, string>(FaultSystem.SlowWorker) { ["Reports:Worker:Lease"] = "00:10:00" };
        await using (var leaving = await system.StartWorkerAsync("scaled-in-" + Guid.NewGuid().ToString("N")[..6], longLease))
        {
            await FaultSystem.EventuallyAsync(async () =>
            {
                Assert.NotEqual("failed", await system.JobValueAsync<string>(id, "status"));
                return await system.StagedBlocksAsync(id) >= 3;
            }, "the fourth worker has staged 3 blocks");
            await leaving.StopAsync();
        }

        Assert.Equal("queued", await system.JobValueAsync<string>(id, "status"));

        await using var last = await system.StartWorkerAsync("last-" + Guid.NewGuid().ToString("N")[..6], longLease);
        var done = await ReportsClient.WaitForFinalAsync(admin, id, TimeSpan.FromMinutes(3));
        Assert.True(done.GetProperty("status").GetString() == "succeeded", done.ToString());
        Assert.Equal(5, done.GetProperty("attempts").GetInt32()); // five claims, four of them handed back, none failed
        Assert.Equal(JsonValueKind.Null, done.GetProperty("error").ValueKind);
    }
}
