namespace Reports.Core.Generation.Partitions;

/// <summary>
/// Where the partitions of one job's file are laid out and drawn: by the worker that holds the job, and by any other
/// worker of its queue asked to help. Implementations fence every write on the job (and on the claim, for a
/// partition) and throw <see cref="Jobs.LeaseLostException"/> once it no longer holds.
/// </summary>
public interface IPartitionBoard
{
    /// <summary>Lays the partitions out, replacing any earlier layout of the job's file (and the claims on it).</summary>
    Task PlanAsync(IReadOnlyList<PartitionCheckpoint> partitions, CancellationToken cancellationToken);

    /// <summary>The partitions as they stand, in file order.</summary>
    Task<IReadOnlyList<PartitionState>> ReadAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Claims the first partition that is neither done nor held under a live lease; null when there is none. With
    /// <paramref name="takeStalled"/>, also one whose holder has not moved it for a lease (it waits for the source, or is
    /// stuck): the job's worker takes such a partition over rather than wait for it.
    /// </summary>
    Task<IClaimedPartition?> ClaimAsync(bool takeStalled, CancellationToken cancellationToken);

    /// <summary>Asks up to <paramref name="helpers"/> other workers of the queue to draw partitions too (best effort).</summary>
    Task AskForHelpAsync(int helpers, CancellationToken cancellationToken);
}

/// <summary>A partition claimed for reading: its lease is kept while it is held, and <see cref="Lost"/> tells when it is not.</summary>
public interface IClaimedPartition : IAsyncDisposable
{
    PartitionClaim Claim { get; }

    /// <summary>Cancelled when the claim may no longer write: the lease was lost, or the job stopped running.</summary>
    CancellationToken Lost { get; }

    Task ReportRowsAsync(long rows, CancellationToken cancellationToken);

    Task CheckpointAsync(GenerationCheckpoint checkpoint, CancellationToken cancellationToken);

    /// <summary>The partition is read whole and every block of it staged, up to <paramref name="checkpoint"/>.</summary>
    Task FinishAsync(GenerationCheckpoint checkpoint, CancellationToken cancellationToken);

    /// <summary>Gives the partition back at once, for another claim to resume from its checkpoint (nothing when another claim holds it already).</summary>
    Task ReleaseAsync(CancellationToken cancellationToken);
}
