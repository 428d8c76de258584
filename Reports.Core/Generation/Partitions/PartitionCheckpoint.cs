namespace Reports.Core.Generation.Partitions;

/// <summary>
/// One key-range partition of a file and its own progress. The partition holds the rows whose first key is at least
/// <see cref="From"/> and below <see cref="To"/> (no bound when null), as invariant text (<see cref="KeysetCursor.ToText"/>);
/// its blocks are numbered from <see cref="FirstBlock"/> of its place, so the partitions' blocks list in key order.
/// </summary>
public sealed record PartitionCheckpoint(string? From, string? To, GenerationCheckpoint Progress)
{
    /// <summary>Most partitions a file is cut into: the block numbers of all of them fit a block id.</summary>
    public const int MaxPartitions = 16;

    /// <summary>Most blocks one partition stages (256 GiB at 4 MiB blocks).</summary>
    public const int MaxBlocks = 1 << 16;

    public static int FirstBlock(int partition) => partition * MaxBlocks;
}
