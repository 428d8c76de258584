using Reports.Core.Storage;

namespace Reports.Tests.Storage;

/// <summary>The group commit itself, on a write of our own: who goes in which batch, and who hears of a failure.</summary>
public sealed class GroupCommitTests
{
    [Fact]
    public async Task Writes_made_while_a_batch_is_written_go_together_in_the_next_and_each_caller_gets_its_own_result()
    {
        var writer = new GatedWriter();
        await using var commit = new GroupCommit<int, int>(writer.WriteAsync, TimeSpan.Zero, maxBatch: 64);
        var first = commit.WriteAsync(1, CancellationToken.None);
        await writer.Started.WaitAsync(TimeSpan.FromSeconds(10));
        var waiting = Enumerable.Range(2, 5).Select(i => commit.WriteAsync(i, CancellationToken.None)).ToList();
        await WhenQueuedAsync(commit, writer, expected: 1);

        writer.Open();

        Assert.Equal(10, await first);
        var results = await Task.WhenAll(waiting);
        Assert.Equal([20, 30, 40, 50, 60], results);
        Assert.Equal([[1], [2, 3, 4, 5, 6]], writer.Batches);
    }

    [Fact]
    public async Task A_batch_holds_at_most_its_maximum()
    {
        var writer = new GatedWriter();
        await using var commit = new GroupCommit<int, int>(writer.WriteAsync, TimeSpan.Zero, maxBatch: 4);
        var first = commit.WriteAsync(0, CancellationToken.None);
        await writer.Started.WaitAsync(TimeSpan.FromSeconds(10));
        var waiting = Enumerable.Range(1, 10).Select(i => commit.WriteAsync(i, CancellationToken.None)).ToList();

        writer.Open();
        await Task.WhenAll([first, .. waiting]);

        Assert.Equal(11, writer.Batches.Sum(b => b.Count));
        Assert.All(writer.Batches, b => Assert.True(b.Count <= 4, $"a batch of {b.Count}"));
    }

    [Fact]
    public async Task A_failed_batch_fails_every_caller_in_it_and_the_next_batch_is_written()
    {
        var writer = new GatedWriter { FailWhen = batch => batch.Contains(13) };
        await using var commit = new GroupCommit<int, int>(writer.WriteAsync, TimeSpan.Zero, maxBatch: 64);
        var first = commit.WriteAsync(1, CancellationToken.None);
        await writer.Started.WaitAsync(TimeSpan.FromSeconds(10));
        var doomed = new[] { 12, 13, 14 }.Select(i => commit.WriteAsync(i, CancellationToken.None)).ToList();

        writer.Open();

        Assert.Equal(10, await first);
        foreach (var write in doomed)
        {
            Assert.Equal("batch refused", (await Assert.ThrowsAsync<InvalidOperationException>(() => write)).Message);
        }

        Assert.Equal(70, await commit.WriteAsync(7, CancellationToken.None));
    }

    [Fact]
    public async Task A_caller_that_gives_up_while_its_item_waits_withdraws_it_and_it_is_never_written()
    {
        var writer = new GatedWriter();
        await using var commit = new GroupCommit<int, int>(writer.WriteAsync, TimeSpan.Zero, maxBatch: 64);
        var first = commit.WriteAsync(1, CancellationToken.None);
        await writer.Started.WaitAsync(TimeSpan.FromSeconds(10));
        using var cancel = new CancellationTokenSource();
        var withdrawn = commit.WriteAsync(2, cancel.Token);
        var kept = commit.WriteAsync(3, CancellationToken.None);

        await cancel.CancelAsync();
        writer.Open();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => withdrawn);
        Assert.Equal(30, await kept);
        await first;
        Assert.DoesNotContain(writer.Batches, b => b.Contains(2));
    }

    [Fact]
    public async Task A_caller_that_gives_up_once_its_item_is_being_written_still_hears_the_result()
    {
        var writer = new GatedWriter();
        await using var commit = new GroupCommit<int, int>(writer.WriteAsync, TimeSpan.Zero, maxBatch: 64);
        using var cancel = new CancellationTokenSource();
        var taken = commit.WriteAsync(1, cancel.Token);
        await writer.Started.WaitAsync(TimeSpan.FromSeconds(10));

        await cancel.CancelAsync();
        writer.Open();

        Assert.Equal(10, await taken); // a claim or a completion that went through is never walked away from
    }

    [Fact]
    public async Task A_window_gathers_writes_that_arrive_within_it_into_one_batch()
    {
        var writer = new GatedWriter();
        writer.Open();
        await using var commit = new GroupCommit<int, int>(writer.WriteAsync, TimeSpan.FromMilliseconds(200), maxBatch: 64);

        var writes = Enumerable.Range(1, 3).Select(i => commit.WriteAsync(i, CancellationToken.None)).ToList();

        var results = await Task.WhenAll(writes);
        Assert.Equal([10, 20, 30], results);
        Assert.Equal([[1, 2, 3]], writer.Batches);
    }

    [Fact]
    public async Task A_batch_refused_for_one_item_is_written_again_item_by_item_so_only_that_item_fails()
    {
        var writer = new GatedWriter { FailWhen = batch => batch.Contains(13) };
        await using var commit = new GroupCommit<int, int>(writer.WriteAsync, TimeSpan.Zero, maxBatch: 64,
            writeAloneWhen: e => e is InvalidOperationException);
        var first = commit.WriteAsync(1, CancellationToken.None);
        await writer.Started.WaitAsync(TimeSpan.FromSeconds(10));
        var writes = new[] { 12, 13, 14 }.Select(i => commit.WriteAsync(i, CancellationToken.None)).ToList();

        writer.Open();

        Assert.Equal(120, await writes[0]);
        await Assert.ThrowsAsync<InvalidOperationException>(() => writes[1]);
        Assert.Equal(140, await writes[2]);
        Assert.Equal([[1], [12, 13, 14], [12], [13], [14]], writer.Batches);
        await first;
    }

    [Fact]
    public async Task A_failure_that_says_the_server_is_gone_fails_every_item_waiting_unwritten_and_later_writes_go_through()
    {
        var writer = new GatedWriter { FailWhen = batch => batch.Contains(1) };
        await using var commit = new GroupCommit<int, int>(writer.WriteAsync, TimeSpan.Zero, maxBatch: 2,
            failQueuedWhen: e => e is InvalidOperationException);
        var first = commit.WriteAsync(1, CancellationToken.None);
        await writer.Started.WaitAsync(TimeSpan.FromSeconds(10));
        var waiting = Enumerable.Range(2, 5).Select(i => commit.WriteAsync(i, CancellationToken.None)).ToList(); // more than one batch

        writer.Open();

        var lost = await Assert.ThrowsAsync<InvalidOperationException>(() => first);
        foreach (var write in waiting)
        {
            Assert.Same(lost, await Assert.ThrowsAsync<InvalidOperationException>(() => write));
        }

        Assert.Equal([[1]], writer.Batches);
        Assert.Equal(70, await commit.WriteAsync(7, CancellationToken.None)); // the loop goes on
    }

    [Fact]
    public async Task When_the_server_goes_while_a_refused_batch_is_written_again_item_by_item_the_items_not_yet_written_fail_with_those_waiting()
    {
        var writer = new GatedWriter
        {
            FailWith = batch => batch switch
            {
                [12] => new IOException("connection lost"),
                { Count: > 1 } when batch.Contains(12) => new ArgumentException("batch refused"),
                _ => null,
            },
        };
        await using var commit = new GroupCommit<int, int>(writer.WriteAsync, TimeSpan.Zero, maxBatch: 3,
            writeAloneWhen: e => e is ArgumentException, failQueuedWhen: e => e is IOException);
        var first = commit.WriteAsync(1, CancellationToken.None);
        await writer.Started.WaitAsync(TimeSpan.FromSeconds(10));
        var writes = new[] { 11, 12, 13, 14 }.Select(i => commit.WriteAsync(i, CancellationToken.None)).ToList();

        writer.Open();

        Assert.Equal(10, await first);
        Assert.Equal(110, await writes[0]);
        foreach (var write in writes[1..])
        {
            await Assert.ThrowsAsync<IOException>(() => write);
        }

        Assert.Equal([[1], [11, 12, 13], [11], [12]], writer.Batches);
    }

    /// <summary>Waits until the items after the first are queued (the writer holds the first batch).</summary>
    private static async Task WhenQueuedAsync(GroupCommit<int, int> commit, GatedWriter writer, long expected)
    {
        await Task.Delay(100);
        Assert.Equal(expected, commit.Batches);
        Assert.Single(writer.Batches);
    }

    /// <summary>Multiplies each item by ten; holds the first batch until opened, so the next ones queue behind it.</summary>
    private sealed class GatedWriter
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<List<int>> Batches { get; } = [];

        public Func<IReadOnlyList<int>, bool> FailWhen { get; init; } = _ => false;

        /// <summary>The failure a batch meets, if any (beside <see cref="FailWhen"/>'s).</summary>
        public Func<IReadOnlyList<int>, Exception?> FailWith { get; init; } = _ => null;

        public Task Started => _started.Task;

        public void Open() => _gate.TrySetResult();

        public async Task<IReadOnlyList<int>> WriteAsync(IReadOnlyList<int> items, CancellationToken cancellationToken)
        {
            lock (Batches)
            {
                Batches.Add([.. items]);
            }

            _started.TrySetResult();
            await _gate.Task;
            if (FailWith(items) is { } failure)
            {
                throw failure;
            }

            return FailWhen(items) ? throw new InvalidOperationException("batch refused") : [.. items.Select(i => i * 10)];
        }
    }
}
