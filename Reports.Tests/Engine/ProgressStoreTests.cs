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
}
