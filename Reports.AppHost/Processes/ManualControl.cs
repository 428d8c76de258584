namespace Reports.AppHost.Processes;

/// <summary>
/// A stop or start asked for by hand (the dashboard): a stop ends the running process and keeps the supervisor from
/// restarting it until a start is asked for. Unlike a crash, it counts no restart.
/// </summary>
internal sealed class ManualControl
{
    private readonly Lock _lock = new();
    private TaskCompletionSource _stop = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _start = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsStopped { get; private set; }

    /// <summary>Completes when a stop is asked for.</summary>
    public Task StopRequested
    {
        get
        {
            lock (_lock)
            {
                return _stop.Task;
            }
        }
    }

    public bool RequestStop()
    {
        lock (_lock)
        {
            if (IsStopped)
            {
                return false;
            }

            IsStopped = true;
            _stop.TrySetResult();
            return true;
        }
    }

    public bool RequestStart()
    {
        TaskCompletionSource start;
        lock (_lock)
        {
            if (!IsStopped)
            {
                return false;
            }

            IsStopped = false;
            _stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            start = _start;
            _start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        start.TrySetResult();
        return true;
    }

    /// <summary>Completes when a start is asked for (at once if none is pending a stop).</summary>
    public Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return IsStopped ? _start.Task.WaitAsync(cancellationToken) : Task.CompletedTask;
        }
    }
}
