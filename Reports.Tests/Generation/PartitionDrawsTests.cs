using Reports.Core.Generation;
using Reports.Core.Generation.Partitions;
using Reports.Core.Generation.Pdf;
using Reports.Core.Jobs;

namespace Reports.Tests.Generation;

/// <summary>
/// The job's worker's lanes over partitions (an in-memory board: the claims, leases and takeovers against PostgreSQL
/// are <see cref="PartitionedGenerationTests"/>' part): every partition drawn once, lanes side by side, and a lane's
/// failure is the one the job sees.
/// </summary>
public sealed class PartitionDrawsTests
{
    [Fact]
    public async Task Lanes_draw_every_partition_once_side_by_side()
    {
        var board = new Board(6);
        var drawing = 0;
        var most = 0;
        var drawnIn = new System.Collections.Concurrent.ConcurrentBag<(int Partition, int Lane)>();

        var done = await PartitionDraws.DrawAllAsync(board, lanes: 2, async (claimed, lane, token) =>
        {
            var now = Interlocked.Increment(ref drawing);
            InterlockedMax(ref most, now);
            await Task.Delay(50, token);
            drawnIn.Add((claimed.Claim.Number, lane));
            Interlocked.Decrement(ref drawing);
            await claimed.FinishAsync(GenerationCheckpoint.Start, token);
        }, CancellationToken.None);

        Assert.All(done, p => Assert.True(p.Done));
        Assert.Equal(Enumerable.Range(0, 6), drawnIn.Select(d => d.Partition).Order());
        Assert.Equal(2, most);
        Assert.Equal([0, 1], drawnIn.Select(d => d.Lane).Distinct().Order());
        Assert.Equal(4, board.HelpersAskedFor); // six partitions, two of them drawn here at once
    }

    [Fact]
    public async Task The_lane_that_failed_first_is_the_failure_not_what_the_other_lane_threw_once_stopped()
    {
        var board = new Board(4);

        var error = await Assert.ThrowsAsync<PdfLayoutException>(() => PartitionDraws.DrawAllAsync(board, lanes: 2, async (claimed, lane, token) =>
        {
            if (lane == 1)
            {
                throw new PdfLayoutException("rows moved");
            }

            // Lane 0 gives its claim up when stopped, as a drawing that loses its connection would.
            try
            {
                await Task.Delay(Timeout.Infinite, token);
            }
            catch (OperationCanceledException)
            {
                throw new LeaseLostException(claimed.Claim.JobId, claimed.Claim.Token);
            }
        }, CancellationToken.None));

        Assert.Equal("rows moved", error.Message);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (var seen = Volatile.Read(ref target); value > seen; seen = Volatile.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, seen) == seen)
            {
                return;
            }
        }
    }

    /// <summary>Partitions in memory: the lowest free one is claimed, finished ones are done.</summary>
    private sealed class Board(int partitions) : IPartitionBoard
    {
        private readonly Lock _lock = new();
        private readonly bool[] _claimed = new bool[partitions];
        private readonly bool[] _done = new bool[partitions];
        private int _tokens;

        public int HelpersAskedFor { get; private set; }

        public Task PlanAsync(IReadOnlyList<PartitionCheckpoint> partitions, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<IReadOnlyList<PartitionState>> ReadAsync(CancellationToken cancellationToken)
        {
            lock (_lock)
            {
                return Task.FromResult<IReadOnlyList<PartitionState>>(
                    [.. _done.Select((done, number) => new PartitionState(number, new PartitionCheckpoint(null, null, GenerationCheckpoint.Start), done, null))]);
            }
        }

        public Task<IClaimedPartition?> ClaimAsync(bool takeStalled, CancellationToken cancellationToken)
        {
            lock (_lock)
            {
                var number = Array.IndexOf(_claimed, false);
                if (number < 0)
                {
                    return Task.FromResult<IClaimedPartition?>(null);
                }

                _claimed[number] = true;
                var claim = new PartitionClaim(Guid.Empty, number, PartitionClaim.FirstBlockToken + ++_tokens, "test", new PartitionCheckpoint(null, null, GenerationCheckpoint.Start));
                return Task.FromResult<IClaimedPartition?>(new Claimed(this, claim));
            }
        }

        public Task AskForHelpAsync(int helpers, CancellationToken cancellationToken)
        {
            HelpersAskedFor = helpers;
            return Task.CompletedTask;
        }

        private sealed class Claimed(Board board, PartitionClaim claim) : IClaimedPartition
        {
            public PartitionClaim Claim => claim;

            public CancellationToken Lost => CancellationToken.None;

            public Task ReportRowsAsync(long rows, CancellationToken cancellationToken) => Task.CompletedTask;

            public Task CheckpointAsync(GenerationCheckpoint checkpoint, CancellationToken cancellationToken) => Task.CompletedTask;

            public Task FinishAsync(GenerationCheckpoint checkpoint, CancellationToken cancellationToken)
            {
                lock (board._lock)
                {
                    board._done[claim.Number] = true;
                }

                return Task.CompletedTask;
            }

            public Task ReleaseAsync(CancellationToken cancellationToken)
            {
                lock (board._lock)
                {
                    board._claimed[claim.Number] = false;
                }

                return Task.CompletedTask;
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}
