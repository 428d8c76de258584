namespace Reports.Core.Generation;

/// <summary>
/// Progress that survives a crash: the key of the last row in the last staged block, how many blocks of the file
/// are staged, and the rows and bytes in them. A resumed attempt continues after <see cref="Cursor"/> with block
/// number <see cref="Blocks"/>, so the committed file is byte-identical to an uninterrupted run.
/// </summary>
public sealed record GenerationCheckpoint(string? Cursor, int Blocks, long Rows, long Bytes)
{
    public static GenerationCheckpoint Start { get; } = new(null, 0, 0, 0);
}
