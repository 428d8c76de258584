using System.Text.Json;
using Reports.Core.Generation;
using Reports.Core.Jobs;
using Reports.Core.Storage;

namespace Reports.Tests.Engine;

[Collection(FaultGroup.Name)]
public sealed class LeaseFencingTests(FaultSystem system)
{
    [Fact]
    public async Task A_worker_that_lost_its_lease_can_change_nothing()
    {
        var store = new JobStore(system.Database, TimeProvider.System);
        var created = await store.CreateAsync(OrdersJobs.New("fencing-", "test-fencing"), CancellationToken.None);

        var stale = await store.ClaimAsync(created.Job.Id, "stale-worker", TimeSpan.FromMilliseconds(200), CancellationToken.None);
        Assert.NotNull(stale);
        Assert.Null(await store.ClaimAsync(created.Job.Id, "too-early", TimeSpan.FromSeconds(30), CancellationToken.None));

        await FaultSystem.EventuallyAsync(
            async () => await store.ClaimAsync(created.Job.Id, "new-worker", TimeSpan.FromMinutes(1), CancellationToken.None) is not null,
            "the expired lease is claimed by another worker");
        var file = new ReportFile("x.csv", "x.csv", "text/csv", 1, "00", 1);

        Assert.False(await store.RenewLeaseAsync(stale, TimeSpan.FromMinutes(1), CancellationToken.None));
        Assert.False(await store.ReportRowsAsync(stale, 250, 1000, CancellationToken.None));
        Assert.False(await store.CheckpointAsync(stale, new GenerationCheckpoint("[]", 3, 300, 3000), 1000, CancellationToken.None));
        Assert.False(await store.CompleteAsync(stale, file, TimeSpan.FromDays(7), CancellationToken.None));
        Assert.False(await store.CompleteAsync(stale, file: null, TimeSpan.FromDays(7), CancellationToken.None));
        Assert.False(await store.FailAsync(stale, new JobError(JobError.AttemptFailed, "stale failure"), null, CancellationToken.None));
        Assert.False(await store.ReleaseAsync(stale, CancellationToken.None));

        var job = await store.GetAsync(created.Job.Id, owner: null, CancellationToken.None);
        Assert.Equal(JobStatus.Running, job!.Status);
        Assert.Equal(2, job.Attempt);
        Assert.Null(job.Checkpoint);
        Assert.Null(job.Error);
    }
}
