namespace Reports.Worker.Consuming;

/// <summary>
/// The job slots of one queue loop, and the messages it may hold beyond them. A slot is held only while a job runs its
/// generation: its claim is written before, its outcome and acknowledgement after, each gathered with other jobs' into
/// one statement. So that those batches have something to gather, the loop reads ahead: it holds (claims, then keeps
/// waiting for a slot) up to <c>readAhead</c> messages more than it has slots, but only as many as its slots would start
/// within <c>readAheadWait</c> at the pace its recent jobs ran, counting only the slots whose job started within that
/// wait: a queue of long reports reads no further than its slots, one of small jobs reads ahead fully. A job that still
/// waits for a slot after <c>readAheadWait</c> (a long report came in before it) is handed back for another worker, and
/// the pace becomes at least that slow, so the loop does not read ahead again into the same wait.
/// </summary>
internal sealed class JobSlots : IDisposable
{
    /// <summary>Weight of the latest run in the average run time (an exponential moving average).</summary>
    private const double Smoothing = 0.2;

    private readonly Lock _gate = new();
    private readonly HashSet<Task> _running = [];
    private readonly HashSet<RunningSlot> _inSlots = [];
    private readonly SemaphoreSlim _slots;
    private readonly int _concurrency;
    private readonly int _readAhead;
    private readonly TimeSpan _readAheadWait;
    private int _held;
    private double? _averageRunSeconds;
    private TaskCompletionSource? _freed;

    public JobSlots(int concurrency, int readAhead = 0, TimeSpan readAheadWait = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(readAhead);
        (_concurrency, _readAhead, _readAheadWait) = (concurrency, readAhead, readAheadWait);
        _slots = new SemaphoreSlim(concurrency, concurrency);
    }

    /// <summary>How many messages the loop may hold beyond its slots now, at the pace its recent jobs ran.</summary>
    public int ReadAheadNow
    {
        get
        {
            lock (_gate)
            {
                return ReadAheadLocked();
            }
        }
    }

    /// <summary>Messages held now: running, waiting for a slot, or writing their outcome.</summary>
    public int Held
    {
        get
        {
            lock (_gate)
            {
                return _held;
            }
        }
    }

    /// <summary>
    /// Waits until the loop may hold another message, then takes every place free; returns how many (to read that many
    /// in one call). One caller at a time (the loop).
    /// </summary>
    public async Task<int> TakeFreeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task freed;
            lock (_gate)
            {
                var free = _concurrency + ReadAheadLocked() - _held;
                if (free > 0)
                {
                    _held += free;
                    return free;
                }

                _freed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                freed = _freed.Task;
            }

            await freed.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Gives back places taken and not filled, or held by a message now done with.</summary>
    public void Return(int places)
    {
        if (places <= 0)
        {
            return;
        }

        TaskCompletionSource? freed;
        lock (_gate)
        {
            _held -= places;
            (freed, _freed) = (_freed, null);
        }

        freed?.TrySetResult();
    }

    /// <summary>
    /// Waits for a slot to run a job in, at most <paramref name="longest"/> (infinite: as long as it takes); null when
    /// none came free in time. Disposing the slot frees it and counts its run time into the pace of the queue.
    /// </summary>
    public Task<RunningSlot?> EnterAsync(TimeSpan longest, CancellationToken cancellationToken) =>
        EnterAsync(longest, slowsThePace: true, cancellationToken);

    /// <summary>
    /// <see cref="EnterAsync(TimeSpan, CancellationToken)"/> for help with another worker's job: a wait for it that runs
    /// out says nothing of how fast this queue's own jobs start, so it leaves the pace (and the read-ahead) as it is.
    /// </summary>
    public Task<RunningSlot?> EnterToHelpAsync(TimeSpan longest, CancellationToken cancellationToken) =>
        EnterAsync(longest, slowsThePace: false, cancellationToken);

    private async Task<RunningSlot?> EnterAsync(TimeSpan longest, bool slowsThePace, CancellationToken cancellationToken)
    {
        if (!await _slots.WaitAsync(longest, cancellationToken))
        {
            if (slowsThePace)
            {
                WaitedOut();
            }

            return null;
        }

        var slot = new RunningSlot(this, TimeProvider.System.GetTimestamp());
        lock (_gate)
        {
            _inSlots.Add(slot);
        }

        return slot;
    }

    /// <summary>Remembers a running job until it ends, so stopping can wait for it.</summary>
    public void Track(Task job)
    {
        lock (_running)
        {
            _running.Add(job);
        }

        _ = job.ContinueWith(t => { lock (_running) { _running.Remove(t); } }, TaskScheduler.Default);
    }

    public async Task WhenAllDoneAsync()
    {
        Task[] inFlight;
        lock (_running)
        {
            inFlight = [.. _running];
        }

        await Task.WhenAll(inFlight);
    }

    public void Dispose() => _slots.Dispose();

    private int ReadAheadLocked()
    {
        if (_readAhead == 0 || _averageRunSeconds is not { } average)
        {
            return 0; // no pace known yet: a new loop reads no further than its slots
        }

        // Only slots whose job started within the wait are likely to free up within it: a slot held by a long report
        // starts nothing (three slots on hour-long PDFs leave one for the small jobs, whatever their pace).
        var now = TimeProvider.System.GetTimestamp();
        var freeing = _concurrency - _inSlots.Count(s => TimeProvider.System.GetElapsedTime(s.EnteredAt, now) > _readAheadWait);
        // Slots × (wait / run time) jobs start within the wait at this pace; the last one read ahead should be among them.
        var startsWithinWait = average <= 0 ? _readAhead : freeing * (_readAheadWait.TotalSeconds / average);
        return (int)Math.Clamp(Math.Floor(startsWithinWait), 0, _readAhead);
    }

    /// <summary>A job found no slot within the wait: the pace was slower than the average said, so it is at least that slow.</summary>
    private void WaitedOut()
    {
        lock (_gate)
        {
            _averageRunSeconds = Math.Max(_averageRunSeconds ?? 0, _readAheadWait.TotalSeconds);
        }
    }

    private void Exit(RunningSlot slot)
    {
        var seconds = TimeProvider.System.GetElapsedTime(slot.EnteredAt).TotalSeconds;
        TaskCompletionSource? freed;
        lock (_gate)
        {
            _inSlots.Remove(slot);
            _averageRunSeconds = _averageRunSeconds is { } average ? average + (Smoothing * (seconds - average)) : seconds;
            (freed, _freed) = (_freed, null); // a faster pace may let the loop read further ahead
        }

        _slots.Release();
        freed?.TrySetResult();
    }

    /// <summary>A slot a job runs in; disposing it frees it (once).</summary>
    public sealed class RunningSlot(JobSlots slots, long enteredAt) : IDisposable
    {
        private int _disposed;

        public long EnteredAt => enteredAt;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                slots.Exit(this);
            }
        }
    }
}
