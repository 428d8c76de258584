using Reports.Core.Generation;
using Reports.Core.Generation.Partitions;
using Reports.Core.Jobs;
using Reports.Core.Queue;
using Reports.Core.Storage;

namespace Reports.Worker.Consuming;

/// <summary>
/// The partitions of one job's file, as this worker sees them: laid out by the attempt that holds the job
/// (<paramref name="owner"/>), drawn by it and by any worker of the queue it asks for help. Each claim runs under a
/// lease of its own, renewed by a <see cref="LeaseHeartbeat"/> that also keeps <paramref name="message"/> (the help
/// request a helper read) pending on this worker while it reads.
/// </summary>
/// <param name="owner">The job's claim, on the worker that holds the job; null on a worker asked to help.</param>
internal sealed class JobPartitions(
    PartitionStore store,
    RedisJobStreams streams,
    JobEvents events,
    Guid jobId,
    string queue,
    ClaimedJob? owner,
    JobMessage? message,
    WorkerOptions options,
    TimeProvider time,
    ILogger logger) : IPartitionBoard
{
    public async Task PlanAsync(IReadOnlyList<PartitionCheckpoint> partitions, CancellationToken cancellationToken)
    {
        var claim = owner ?? throw new InvalidOperationException("Only the worker that holds the job lays out its partitions.");
        if (!await store.PlanAsync(claim, partitions, cancellationToken))
        {
            throw new LeaseLostException(claim.Id, claim.Attempt);
        }
    }

    public Task<IReadOnlyList<PartitionState>> ReadAsync(CancellationToken cancellationToken) => store.ReadAsync(jobId, cancellationToken);

    public async Task<IClaimedPartition?> ClaimAsync(bool takeStalled, CancellationToken cancellationToken)
    {
        // A claim is stalled when it has not moved for several leases: long enough for a partition's first rows, which
        // a statement of up to a million rows may take a while to give.
        var claim = await store.ClaimAsync(jobId, options.Id, options.Lease, takeStalled ? options.Lease * PartitionClaim.StalledLeases : null, cancellationToken);
        if (claim is null)
        {
            return null;
        }

        logger.LogDebug("Partition {Partition} of job {JobId} claimed (claim {Token})", claim.Number, jobId, claim.Token);
        Func<CancellationToken, Task>? hold = message is null ? null : ct => streams.HoldAsync(message, options.Id, ct);
        var heartbeat = new LeaseHeartbeat(ct => store.RenewAsync(claim, options.Lease, ct), claim.LeaseExpiresAt,
            $"partition {claim.Number} of job {jobId}", options, time, logger, hold);
        return new ClaimedPartition(store, events, claim, heartbeat);
    }

    public Task AskForHelpAsync(int helpers, CancellationToken cancellationToken) =>
        streams.AskForHelpAsync(queue, jobId, helpers, owner?.Job.TraceParent, cancellationToken);

    /// <summary>A claim under its heartbeat, which stops before the claim's last write (done, or given back) so no renewal follows it.</summary>
    private sealed class ClaimedPartition(PartitionStore store, JobEvents events, PartitionClaim claim, LeaseHeartbeat heartbeat) : IClaimedPartition
    {
        private readonly CancellationToken _lost = heartbeat.Lost; // still readable once the heartbeat is stopped
        private bool _stopped;

        public PartitionClaim Claim => claim;

        public CancellationToken Lost => _lost;

        public Task ReportRowsAsync(long rows, CancellationToken cancellationToken) =>
            RecordAsync(store.ReportRowsAsync(claim, rows, cancellationToken));

        public Task CheckpointAsync(GenerationCheckpoint checkpoint, CancellationToken cancellationToken) =>
            RecordAsync(store.CheckpointAsync(claim, checkpoint, cancellationToken));

        public async Task FinishAsync(GenerationCheckpoint checkpoint, CancellationToken cancellationToken)
        {
            await StopHeartbeatAsync();
            await RecordAsync(store.FinishAsync(claim, checkpoint, cancellationToken));
        }

        public async Task ReleaseAsync(CancellationToken cancellationToken)
        {
            await StopHeartbeatAsync();
            await store.ReleaseAsync(claim, cancellationToken);
        }

        public ValueTask DisposeAsync() => StopHeartbeatAsync();

        private async ValueTask StopHeartbeatAsync()
        {
            if (!_stopped)
            {
                _stopped = true;
                await heartbeat.DisposeAsync();
            }
        }

        private async Task RecordAsync(Task<bool> update)
        {
            if (!await update)
            {
                throw new LeaseLostException(claim.JobId, claim.Token);
            }

            events.Publish(claim.JobId);
        }
    }
}
