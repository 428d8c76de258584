using Reports.Core.Generation;
using Reports.Core.Jobs;
using Reports.Core.Queue;
using Reports.Core.Storage;

namespace Reports.Worker.Consuming;

/// <summary>
/// Records a generator's progress for the attempt that holds the job, and stops it once the attempt has lost it. Each
/// recorded step is announced (best effort) to live progress streams. The row count is saved with the first page's
/// progress (or the completion, for a file of one block) rather than in a write of its own.
/// </summary>
internal sealed class ClaimedJobProgress(JobStore store, ClaimedJob claim, JobEvents events) : IJobProgress
{
    private long? _unsavedTotal;

    public Task ReportTotalAsync(long rowsTotal, CancellationToken cancellationToken)
    {
        _unsavedTotal = rowsTotal;
        return Task.CompletedTask;
    }

    public Task ReportRowsAsync(long rowsWritten, CancellationToken cancellationToken) =>
        RecordAsync(store.ReportRowsAsync(claim, rowsWritten, _unsavedTotal, cancellationToken));

    public Task CheckpointAsync(GenerationCheckpoint checkpoint, CancellationToken cancellationToken) =>
        RecordAsync(store.CheckpointAsync(claim, checkpoint, _unsavedTotal, cancellationToken));

    private async Task RecordAsync(Task<bool> update)
    {
        if (!await update)
        {
            throw new LeaseLostException(claim.Id, claim.Attempt);
        }

        _unsavedTotal = null;
        events.Publish(claim.Id);
    }
}
