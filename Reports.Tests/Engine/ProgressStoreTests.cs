using System.Text.Json;
using Reports.Core.Generation;
using Reports.Core.Jobs;
using Reports.Core.Storage;

namespace Reports.Tests.Engine;

[Collection(FaultGroup.Name)]
public sealed class ProgressStoreTests(FaultSystem system)
{
    [Fact]
    public async Task Rows_reported_per_page_show_at_once_and_a_lagging_block_checkpoint_does_not_move_them_back()
    {
        var store = new JobStore(system.Database, TimeProvider.System);
        var created = await store.CreateAsync(OrdersJobs.New("progress-", "test-progress"), CancellationToken.None);
        var claim = await store.ClaimAsync(created.Job.Id, "progress-worker", TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.NotNull(claim);

        Assert.True(await store.ReportRowsAsync(claim, 40_000, rowsTotal: 90_000, CancellationToken.None));
        var reported = await store.GetAsync(claim.Id, owner: null, CancellationToken.None);
        Assert.Equal(40_000, reported!.RowsWritten);
        Assert.Equal(90_000, reported.RowsTotal);

        // The uploader stages the block of the first 25,000 rows while the reader is already further on.
        Assert.True(await store.CheckpointAsync(claim, new GenerationCheckpoint("[25000]", 1, 25_000, 2_500_000), rowsTotal: null, CancellationToken.None));
        var job = await store.GetAsync(claim.Id, owner: null, CancellationToken.None);
        Assert.Equal(40_000, job!.RowsWritten);
        Assert.Equal(90_000, job.RowsTotal);
        Assert.Equal(25_000, JsonSerializer.Deserialize<GenerationCheckpoint>(job.Checkpoint!)!.Rows);
    }

    [Fact]
    public async Task Rows_reported_by_an_attempt_that_resumed_behind_the_last_one_do_not_move_the_progress_back()
    {
        // The first attempt read pages ahead of its last checkpoint; the next one resumes from the checkpoint, behind them
        // (each partition of a partitioned file by up to a page and the blocks in flight).
        var store = new JobStore(system.Database, TimeProvider.System);
        var created = await store.CreateAsync(OrdersJobs.New("progress-", "test-progress-resume"), CancellationToken.None);
        var first = await store.ClaimAsync(created.Job.Id, "progress-worker-1", TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.NotNull(first);
        Assert.True(await store.ReportRowsAsync(first, 400_000, rowsTotal: 1_000_000, CancellationToken.None));
        Assert.True(await store.CheckpointAsync(first, new GenerationCheckpoint("[100000]", 3, 100_000, 10_000_000), rowsTotal: null, CancellationToken.None));
        Assert.True(await store.ReleaseAsync(first, CancellationToken.None));

        var second = await store.ClaimAsync(created.Job.Id, "progress-worker-2", TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.NotNull(second);
        Assert.True(await store.ReportRowsAsync(second, 200_000, rowsTotal: null, CancellationToken.None));
        Assert.Equal(400_000, (await store.GetAsync(second.Id, owner: null, CancellationToken.None))!.RowsWritten);
        Assert.True(await store.ReportRowsAsync(second, 500_000, rowsTotal: null, CancellationToken.None));
        Assert.Equal(500_000, (await store.GetAsync(second.Id, owner: null, CancellationToken.None))!.RowsWritten);
    }
}
