using System.Threading.Channels;

namespace Reports.Core.Storage;

/// <summary>
/// Group commit: the writes many callers make at about the same time go to the database as one statement (one round
/// trip, one commit), and each caller gets its own item's result. An item waits while the batch before it is written,
/// plus at most <c>window</c> for others to join, and goes with every item then waiting (at most <c>maxBatch</c>): an
/// idle system writes each item at once (after the window), a busy one in batches as large as it needs. One batch is
/// written at a time. One batch is one transaction, so when the database refused it (<c>writeAloneWhen</c>: a statement
/// rejected, say for one bad item) nothing of it was written, and each item is written again alone, so one item cannot
/// fail the others; any other failure (the connection lost: the commit may or may not have happened) reaches every
/// caller in it, who handles it as it would its own failed write. When that failure says the server is gone
/// (<c>failQueuedWhen</c>), every item waiting then fails with it too, unwritten, rather than each batch behind trying
/// the dead server in turn; the loop goes on, and the items that come next are written once the server is back. A
/// caller that gives up before its item is taken into a batch leaves it unwritten; once taken, the item is written and
/// its caller hears the result.
/// </summary>
public sealed class GroupCommit<TItem, TResult> : IAsyncDisposable
{
    /// <summary>Items waiting to be written at most; a caller beyond it waits for room (each job slot has at most one).</summary>
    private const int Capacity = 4096;

    private readonly Func<IReadOnlyList<TItem>, CancellationToken, Task<IReadOnlyList<TResult>>> _write;
    private readonly TimeSpan _window;
    private readonly int _maxBatch;
    private readonly Func<Exception, bool> _writeAloneWhen;
    private readonly Func<Exception, bool> _failQueuedWhen;
    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(Capacity) { SingleReader = true });
    private readonly Task _loop;

    /// <param name="write">Writes the items in one statement; returns their results in the same order. Never cancelled halfway:
    /// a batch once sent runs to its end (bounded by the command timeout), whatever its callers do meanwhile.</param>
    /// <param name="writeAloneWhen">A failure after which the batch was surely not written, so each item may be written again alone.</param>
    /// <param name="failQueuedWhen">A failure that says the server is gone (unreachable, restarting), so the items waiting fail with it.</param>
    public GroupCommit(
        Func<IReadOnlyList<TItem>, CancellationToken, Task<IReadOnlyList<TResult>>> write, TimeSpan window, int maxBatch,
        Func<Exception, bool>? writeAloneWhen = null, Func<Exception, bool>? failQueuedWhen = null)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        (_write, _window, _maxBatch) = (write, window, maxBatch);
        (_writeAloneWhen, _failQueuedWhen) = (writeAloneWhen ?? (_ => false), failQueuedWhen ?? (_ => false));
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Batches written so far: how many statements the items took.</summary>
    public long Batches { get; private set; }

    /// <summary>
    /// Writes <paramref name="item"/> with whatever others wait beside it. <paramref name="cancellationToken"/> withdraws
    /// the item while it waits for a batch; once taken into one, it is written and its caller waits for the result, so a
    /// caller never walks away from a write that may have gone through (a claim nobody runs, a completion nobody acknowledges).
    /// </summary>
    public async Task<TResult> WriteAsync(TItem item, CancellationToken cancellationToken)
    {
        var pending = new Pending(item);
        await _queue.Writer.WriteAsync(pending, cancellationToken);
        await using var withdraw = cancellationToken.Register(() => pending.Withdraw(cancellationToken));
        return await pending.Result.Task;
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<Pending>(_maxBatch);
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            if (_window > TimeSpan.Zero)
            {
                await Task.Delay(_window, CancellationToken.None);
            }

            while (batch.Count < _maxBatch && reader.TryRead(out var pending))
            {
                if (pending.Take())
                {
                    batch.Add(pending);
                }
            }

            if (batch.Count > 0)
            {
                await WriteAsync(batch);
                batch.Clear();
            }
        }
    }

    /// <summary>Writes a batch; whatever happens, every caller in it hears an outcome (the loop never dies of a batch).</summary>
    private async Task WriteAsync(List<Pending> batch)
    {
        var failure = await TryWriteAsync(batch);
        if (failure is not null && batch.Count > 1 && _writeAloneWhen(failure))
        {
            foreach (var pending in batch)
            {
                failure = await TryWriteAsync([pending]);
                if (failure is not null && _failQueuedWhen(failure))
                {
                    Fail(batch, failure); // the items not yet written again (the others have their outcome)
                    break;
                }
            }
        }

        if (failure is not null && _failQueuedWhen(failure))
        {
            while (_queue.Reader.TryRead(out var pending))
            {
                if (pending.Take())
                {
                    pending.Result.TrySetException(failure);
                }
            }
        }
    }

    /// <summary>
    /// Writes the batch and hands each caller its result, or its failure unless the batch may be written again item by
    /// item (refused as a whole); returns the failure, if any.
    /// </summary>
    private async Task<Exception?> TryWriteAsync(List<Pending> batch)
    {
        IReadOnlyList<TResult> results;
        try
        {
            Batches++;
            results = await _write([.. batch.Select(p => p.Item)], CancellationToken.None);
        }
        catch (Exception e)
        {
            if (batch.Count == 1 || !_writeAloneWhen(e))
            {
                Fail(batch, e);
            }

            return e;
        }

        if (results.Count != batch.Count)
        {
            var mismatch = new InvalidOperationException($"A batch of {batch.Count} writes returned {results.Count} results.");
            Fail(batch, mismatch);
            return mismatch;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Result.TrySetResult(results[i]);
        }

        return null;
    }

    private static void Fail(List<Pending> batch, Exception e)
    {
        foreach (var pending in batch)
        {
            pending.Result.TrySetException(e);
        }
    }

    /// <summary>Writes what is queued, then stops; a write asked for afterwards is refused.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
    }

    /// <summary>An item and its caller's result: waiting, then either taken into a batch or withdrawn by its caller, never both.</summary>
    private sealed class Pending(TItem item)
    {
        private const int Waiting = 0;
        private const int Taken = 1;
        private const int Withdrawn = 2;
        private int _state;

        public TItem Item => item;

        public TaskCompletionSource<TResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Take() => Interlocked.CompareExchange(ref _state, Taken, Waiting) == Waiting;

        public void Withdraw(CancellationToken cancellationToken)
        {
            if (Interlocked.CompareExchange(ref _state, Withdrawn, Waiting) == Waiting)
            {
                Result.TrySetCanceled(cancellationToken);
            }
        }
    }
}
