using Reports.Core.Generation;
using Reports.Core.Jobs;
using Reports.Core.Queue;
using Reports.Core.Storage;

namespace Reports.Worker.Consuming;

/// <summary>
/// Records a generator's progress for the attempt that holds the job, and stops it once the attempt has lost it. Each
/// recorded step is announced (best effort) to live progress streams.
/// </summary>
internal sealed class ClaimedJobProgress(JobStore store, ClaimedJob claim, JobEvents events) : IJobProgress
{
    public Task ReportTotalAsync(long rowsTotal, CancellationToken cancellationToken) =>
        RecordAsync(store.SetTotalAsync(claim, rowsTotal, cancellationToken));

    public Task ReportRowsAsync(long rowsWritten, CancellationToken cancellationToken) =>
        RecordAsync(store.ReportRowsAsync(claim, rowsWritten, cancellationToken));

    public Task CheckpointAsync(GenerationCheckpoint checkpoint, CancellationToken cancellationToken) =>
        RecordAsync(store.CheckpointAsync(claim, checkpoint, cancellationToken));

    private async Task RecordAsync(Task<bool> update)
    {
        if (!await update)
        {
            throw new LeaseLostException(claim.Id, claim.Attempt);
        }

        events.Publish(claim.Id);
    }
}
