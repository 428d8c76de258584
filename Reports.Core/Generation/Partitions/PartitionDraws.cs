using System.Data.Common;
using System.Runtime.ExceptionServices;
using Reports.Core.Jobs;

namespace Reports.Core.Generation.Partitions;

/// <summary>The job's worker's part in a file cut into partitions, whatever its format: draw, ask for help, wait, take over.</summary>
internal static class PartitionDraws
{
    /// <summary>How often the job's worker looks whether the partitions other workers hold are done (or free again).</summary>
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Draws partitions in <paramref name="lanes"/> lanes side by side until none is free, then waits for those other
    /// workers hold, taking over any whose claim lapses or stops moving, until every one is done; returns them. The
    /// first partition is claimed before help is asked for, so this worker draws it (in lane 0). A claim lost while
    /// drawing (another worker took the partition over) is left to that worker. A lane that fails stops the others, and
    /// its failure is what this throws.
    /// </summary>
    /// <param name="draw">Draws one claimed partition in the given lane (0 to <paramref name="lanes"/> − 1).</param>
    public static async Task<IReadOnlyList<PartitionState>> DrawAllAsync(
        IPartitionBoard board, int lanes, Func<IClaimedPartition, int, CancellationToken, Task> draw, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(lanes, 1);
        var first = await board.ClaimAsync(takeStalled: false, cancellationToken);
        try
        {
            var open = (await board.ReadAsync(cancellationToken)).Count(p => !p.Done);
            await board.AskForHelpAsync(Math.Max(0, open - lanes), cancellationToken);
        }
        catch when (first is not null)
        {
            await GiveBackAsync(first);
            throw;
        }

        await InLanesAsync(
            lanes,
            first,
            async (claimed, lane, token) => await DrawWhileClaimedAsync(board, claimed ?? await board.ClaimAsync(takeStalled: true, token), lane, draw, token),
            cancellationToken);
        while (true)
        {
            var partitions = await board.ReadAsync(cancellationToken);
            if (partitions.All(p => p.Done))
            {
                return partitions;
            }

            await Task.Delay(Poll, cancellationToken);
            await DrawWhileClaimedAsync(board, await board.ClaimAsync(takeStalled: true, cancellationToken), 0, draw, cancellationToken);
        }
    }

    /// <summary>
    /// Lanes the job's worker draws in: as many as wanted (<see cref="GenerationOptions.LanesPerJob"/>), but past the
    /// first never the source's last query slot, and never more than there are partitions.
    /// </summary>
    public static int Lanes(int wanted, int sourceQuerySlots, int partitions) => Math.Clamp(Math.Min(wanted, sourceQuerySlots - 1), 1, partitions);

    /// <summary>Gives a partition back for the next claim, as far as the database can be reached.</summary>
    public static async Task GiveBackAsync(IClaimedPartition claimed)
    {
        try
        {
            await claimed.ReleaseAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is DbException or TimeoutException or ObjectDisposedException)
        {
            // Its lease runs out instead (or it stops moving, and the job's worker takes it over).
        }
    }

    /// <summary>Runs the lanes, lane 0 from <paramref name="first"/>, the others from a claim of their own; the first failure stops them all.</summary>
    private static async Task InLanesAsync(
        int lanes, IClaimedPartition? first, Func<IClaimedPartition?, int, CancellationToken, Task> run, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Exception? failure = null;
        async Task Lane(int lane)
        {
            try
            {
                await run(lane == 0 ? first : null, lane, stop.Token);
            }
            catch (Exception e)
            {
                if (!stop.IsCancellationRequested)
                {
                    // The first failure, not what the others threw once stopped because of it (a claim given up, say).
                    Interlocked.CompareExchange(ref failure, e, null);
                }

                await stop.CancelAsync();
                throw;
            }
        }

        var running = Enumerable.Range(0, lanes).Select(Lane).ToList();
        try
        {
            await Task.WhenAll(running);
        }
        catch when (Volatile.Read(ref failure) is { } failed)
        {
            ExceptionDispatchInfo.Throw(failed);
        }
    }

    /// <summary>Draws <paramref name="claimed"/>, then the next free one, until none is.</summary>
    private static async Task DrawWhileClaimedAsync(
        IPartitionBoard board, IClaimedPartition? claimed, int lane, Func<IClaimedPartition, int, CancellationToken, Task> draw,
        CancellationToken cancellationToken)
    {
        for (; claimed is not null; claimed = await board.ClaimAsync(takeStalled: true, cancellationToken))
        {
            await using (claimed)
            {
                try
                {
                    await draw(claimed, lane, cancellationToken);
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested && (e is LeaseLostException || claimed.Lost.IsCancellationRequested))
                {
                    // Another worker took the partition over: it is that worker's now.
                }
            }
        }
    }
}
