using Reports.Core.Generation.Partitions;

namespace Reports.Core.Generation;

/// <summary>
/// Progress that survives a crash: the key of the last row in the last staged block, how many blocks of the file
/// are staged (and by which attempts, as <see cref="StagedBy"/>), and the rows and bytes in them. A resumed attempt
/// continues after <see cref="Cursor"/> with block number <see cref="Blocks"/>, so the committed file is
/// byte-identical to an uninterrupted run, and commits the earlier blocks under the ids of the attempts that staged them.
/// A file read as key-range partitions keeps one such checkpoint per partition in <see cref="Partitions"/> instead
/// (and the sums of their blocks, rows and bytes here).
/// </summary>
public sealed record GenerationCheckpoint(
    string? Cursor, int Blocks, long Rows, long Bytes, IReadOnlyList<BlockRun>? StagedBy = null, IReadOnlyList<PartitionCheckpoint>? Partitions = null)
{
    /// <summary>A PDF cut into segments: what every segment agrees on (the job's checkpoint).</summary>
    public Pdf.PdfPlan? Pdf { get; init; }

    /// <summary>A drawn PDF segment: where its objects sit in its bytes, for the file's cross-references (a partition's checkpoint).</summary>
    public string? Objects { get; init; }

    public static GenerationCheckpoint Start { get; } = new(null, 0, 0, 0, []);

    /// <summary>
    /// The staged blocks as runs of the attempts that staged them. A checkpoint saved before blocks carried their attempt
    /// has them all from "attempt 0", whose ids are the ones blocks had then.
    /// </summary>
    public IReadOnlyList<BlockRun> BlockRuns() => StagedBy ?? (Blocks == 0 ? [] : [new BlockRun(0, Blocks)]);

    /// <summary>Every staged block in file order: the partitions' blocks one partition after the other.</summary>
    public IReadOnlyList<FileBlock> FileBlocks() => Partitions is { } partitions
        ? [.. partitions.SelectMany((p, number) => BlockRun.Blocks(p.Progress.BlockRuns(), PartitionCheckpoint.FirstBlock(number)))]
        : [.. BlockRun.Blocks(BlockRuns())];

    /// <summary>The checkpoint after one more block, staged by <paramref name="attempt"/>.</summary>
    public GenerationCheckpoint Next(string? cursor, long rows, long bytes, int attempt) =>
        new(cursor, Blocks + 1, rows, bytes, BlockRun.Append(BlockRuns(), attempt));

    /// <summary>A partitioned file's checkpoint: the partitions' own, and the sums of their blocks, rows and bytes.</summary>
    public static GenerationCheckpoint OfPartitions(IReadOnlyList<PartitionCheckpoint> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        return new(null, partitions.Sum(p => p.Progress.Blocks), partitions.Sum(p => p.Progress.Rows), partitions.Sum(p => p.Progress.Bytes), null, partitions);
    }
}
