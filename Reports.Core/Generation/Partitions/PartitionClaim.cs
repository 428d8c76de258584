namespace Reports.Core.Generation.Partitions;

/// <summary>
/// One worker's lease on one partition of a job's file: <see cref="Token"/> numbers the claims of the job's partitions
/// and fences every write the claim makes; <see cref="Partition"/> holds the range and the checkpoint it resumes from.
/// </summary>
public sealed record PartitionClaim(Guid JobId, int Number, int Token, string WorkerId, PartitionCheckpoint Partition)
{
    /// <summary>
    /// Block ids of partition claims start here, above any job attempt, so a partition's blocks never share an id with
    /// those of the same file read whole by an attempt.
    /// </summary>
    public const int FirstBlockToken = 1 << 30;

    /// <summary>
    /// Leases a claim may go without moving (rows, a checkpoint) before it counts as stalled: the job's worker then takes
    /// its partition over, and the operations view shows it stalled.
    /// </summary>
    public const int StalledLeases = 4;

    public DateTimeOffset LeaseExpiresAt { get; init; }

    /// <summary>What the claim's blocks are staged under (in place of an attempt): one id per claim.</summary>
    public int BlockToken => FirstBlockToken + Token;
}

/// <summary>A partition as it stands: its range and last checkpoint, whether it is read whole, and by which worker.</summary>
public sealed record PartitionState(int Number, PartitionCheckpoint Partition, bool Done, string? FinishedBy)
{
    /// <summary>Rows read so far: at least its checkpoint's, as a claim reports rows between its blocks.</summary>
    public long RowsWritten { get; init; }

    /// <summary>The worker whose claim holds it now; null when none does (laid out, given back or done).</summary>
    public string? LeaseOwner { get; init; }

    public DateTimeOffset? LeaseExpiresAt { get; init; }

    /// <summary>When its last claim last moved: claimed, rows, a checkpoint or done; null before any claim.</summary>
    public DateTimeOffset? ProgressedAt { get; init; }
}
