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

    public DateTimeOffset LeaseExpiresAt { get; init; }

    /// <summary>What the claim's blocks are staged under (in place of an attempt): one id per claim.</summary>
    public int BlockToken => FirstBlockToken + Token;
}

/// <summary>A partition as it stands: its range and last checkpoint, whether it is read whole, and by which worker.</summary>
public sealed record PartitionState(int Number, PartitionCheckpoint Partition, bool Done, string? FinishedBy);
