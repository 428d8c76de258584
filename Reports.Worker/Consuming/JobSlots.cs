namespace Reports.Worker.Consuming;

/// <summary>
/// The job slots of one queue loop: the loop takes every free slot at once (to read that many messages in one call)
/// and gives back those it could not fill; each job gives its slot back when it ends.
/// </summary>
internal sealed class JobSlots(int concurrency)
{
    private readonly Lock _gate = new();
    private readonly HashSet<Task> _running = [];
    private int _free = concurrency;
    private TaskCompletionSource? _freed;

    /// <summary>Waits until a slot is free, then takes all that are; returns how many. One caller at a time (the loop).</summary>
    public async Task<int> TakeFreeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task freed;
            lock (_gate)
            {
                if (_free > 0)
                {
                    var taken = _free;
                    _free = 0;
                    return taken;
                }

                _freed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                freed = _freed.Task;
            }

            await freed.WaitAsync(cancellationToken);
        }
    }

    public void Return(int slots)
    {
        if (slots <= 0)
        {
            return;
        }

        TaskCompletionSource? freed;
        lock (_gate)
        {
            _free += slots;
            (freed, _freed) = (_freed, null);
        }

        freed?.TrySetResult();
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
}
