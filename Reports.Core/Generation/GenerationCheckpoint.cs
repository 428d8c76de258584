namespace Reports.Core.Generation;

/// <summary>
/// Progress that survives a crash: the key of the last row in the last staged block, how many blocks of the file
/// are staged (and by which attempts, as <see cref="StagedBy"/>), and the rows and bytes in them. A resumed attempt
/// continues after <see cref="Cursor"/> with block number <see cref="Blocks"/>, so the committed file is
/// byte-identical to an uninterrupted run, and commits the earlier blocks under the ids of the attempts that staged them.
/// </summary>
public sealed record GenerationCheckpoint(string? Cursor, int Blocks, long Rows, long Bytes, IReadOnlyList<BlockRun>? StagedBy = null)
{
    public static GenerationCheckpoint Start { get; } = new(null, 0, 0, 0, []);

    /// <summary>
    /// The staged blocks as runs of the attempts that staged them. A checkpoint saved before blocks carried their attempt
    /// has them all from "attempt 0", whose ids are the ones blocks had then.
    /// </summary>
    public IReadOnlyList<BlockRun> BlockRuns() => StagedBy ?? (Blocks == 0 ? [] : [new BlockRun(0, Blocks)]);

    /// <summary>The checkpoint after one more block, staged by <paramref name="attempt"/>.</summary>
    public GenerationCheckpoint Next(string? cursor, long rows, long bytes, int attempt) =>
        new(cursor, Blocks + 1, rows, bytes, BlockRun.Append(BlockRuns(), attempt));
}
