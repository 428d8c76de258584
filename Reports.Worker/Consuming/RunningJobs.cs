namespace Reports.Worker.Consuming;

/// <summary>
/// The jobs this process is running, so a cancel signal can reach the right one: a job's own run and the partitions of
/// it that this process helps read, each registered on its own.
/// </summary>
internal sealed class RunningJobs
{
    private readonly Dictionary<Guid, List<CancellationTokenSource>> _jobs = [];

    public CancellationToken Register(Guid jobId, CancellationTokenSource cancel)
    {
        ArgumentNullException.ThrowIfNull(cancel);
        lock (_jobs)
        {
            if (!_jobs.TryGetValue(jobId, out var runs))
            {
                _jobs[jobId] = runs = [];
            }

            runs.Add(cancel);
        }

        return cancel.Token;
    }

    public void Unregister(Guid jobId, CancellationTokenSource cancel)
    {
        lock (_jobs)
        {
            if (_jobs.TryGetValue(jobId, out var runs) && runs.Remove(cancel) && runs.Count == 0)
            {
                _jobs.Remove(jobId);
            }
        }
    }

    public void Cancel(Guid jobId)
    {
        List<CancellationTokenSource> runs;
        lock (_jobs)
        {
            runs = _jobs.TryGetValue(jobId, out var registered) ? [.. registered] : [];
        }

        foreach (var cancel in runs)
        {
            try
            {
                cancel.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The run has just ended.
            }
        }
    }
}
