using System.Data.Common;
using Reports.Core.Jobs;

namespace Reports.Core.Generation.Partitions;

/// <summary>The job's worker's part in a file cut into partitions, whatever its format: draw, ask for help, wait, take over.</summary>
internal static class PartitionDraws
{
    /// <summary>How often the job's worker looks whether the partitions other workers hold are done (or free again).</summary>
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Draws partitions until none is free, then waits for those other workers hold, taking over any whose claim lapses
    /// or stops moving, until every one is done; returns them. The first partition is claimed before help is asked for,
    /// so this worker draws it. A claim lost while drawing (another worker took the partition over) is left to that
    /// worker, after <paramref name="lost"/> hears of it.
    /// </summary>
    public static async Task<IReadOnlyList<PartitionState>> DrawAllAsync(
        IPartitionBoard board, Func<IClaimedPartition, CancellationToken, Task> draw, Action<IClaimedPartition> lost, CancellationToken cancellationToken)
    {
        var claimed = await board.ClaimAsync(takeStalled: false, cancellationToken);
        try
        {
            var open = (await board.ReadAsync(cancellationToken)).Count(p => !p.Done);
            await board.AskForHelpAsync(open - 1, cancellationToken);
        }
        catch when (claimed is not null)
        {
            await GiveBackAsync(claimed);
            throw;
        }

        while (true)
        {
            for (; claimed is not null; claimed = await board.ClaimAsync(takeStalled: true, cancellationToken))
            {
                await using (claimed)
                {
                    try
                    {
                        await draw(claimed, cancellationToken);
                    }
                    catch (Exception e) when (!cancellationToken.IsCancellationRequested && (e is LeaseLostException || claimed.Lost.IsCancellationRequested))
                    {
                        lost(claimed);
                    }
                }
            }

            var partitions = await board.ReadAsync(cancellationToken);
            if (partitions.All(p => p.Done))
            {
                return partitions;
            }

            await Task.Delay(Poll, cancellationToken);
            claimed = await board.ClaimAsync(takeStalled: true, cancellationToken);
        }
    }

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
}
