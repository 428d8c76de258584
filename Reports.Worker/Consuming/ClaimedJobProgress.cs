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
    public async Task ReportTotalAsync(long rowsTotal, CancellationToken cancellationToken)
    {
        if (!await store.SetTotalAsync(claim, rowsTotal, cancellationToken))
        {
            throw new LeaseLostException(claim.Id, claim.Attempt);
        }

        events.Publish(claim.Id);
    }

    public async Task CheckpointAsync(GenerationCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        if (!await store.CheckpointAsync(claim, checkpoint, cancellationToken))
        {
            throw new LeaseLostException(claim.Id, claim.Attempt);
        }

        events.Publish(claim.Id);
    }
}
