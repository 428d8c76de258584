namespace Reports.Core.Generation;

/// <summary>
/// Consecutive blocks of a file staged by one attempt. A file's block list is a short list of runs, one per attempt
/// that added blocks to it (a resumed file continues the blocks of the attempts before), which says for every block
/// the attempt whose id it was staged under.
/// </summary>
public sealed record BlockRun(int Attempt, int Count)
{
    /// <summary>The list with one more block at its end, staged by <paramref name="attempt"/>; the list given is not changed.</summary>
    public static IReadOnlyList<BlockRun> Append(IReadOnlyList<BlockRun> runs, int attempt)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var appended = new List<BlockRun>(runs);
        if (appended.Count > 0 && appended[^1].Attempt == attempt)
        {
            appended[^1] = appended[^1] with { Count = appended[^1].Count + 1 };
        }
        else
        {
            appended.Add(new BlockRun(attempt, 1));
        }

        return appended;
    }

    /// <summary>Every block of the runs, in file order, numbered from <paramref name="firstSequence"/>.</summary>
    public static IEnumerable<FileBlock> Blocks(IReadOnlyList<BlockRun> runs, int firstSequence = 0)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var sequence = firstSequence;
        foreach (var run in runs)
        {
            for (var i = 0; i < run.Count; i++)
            {
                yield return new FileBlock(run.Attempt, sequence++);
            }
        }
    }
}

/// <summary>
/// One block of a file: its position in the file, and the attempt (the job's fencing token) that staged it. Both are in
/// the block's id, so two attempts never share a block: a stale attempt's late block can never replace the new one's.
/// </summary>
public readonly record struct FileBlock(int Attempt, int Sequence);

/// <summary>A committed file as one attempt writes it: the attempt is the fencing token storage checks, then its headers.</summary>
public sealed record FileWrite(int Attempt, string ContentType, string DownloadName);
