using System.Collections.Concurrent;

namespace Reports.Worker.Consuming;

/// <summary>The jobs this process is running, so a cancel signal can reach the right one.</summary>
internal sealed class RunningJobs
{
    private readonly ConcurrentDictionary<Guid, CancellationTokenSource> _jobs = new();

    public CancellationToken Register(Guid jobId, CancellationTokenSource cancel)
    {
        _jobs[jobId] = cancel;
        return cancel.Token;
    }

    public void Unregister(Guid jobId) => _jobs.TryRemove(jobId, out _);

    public void Cancel(Guid jobId)
    {
        if (_jobs.TryGetValue(jobId, out var cancel))
        {
            try
            {
                cancel.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The job has just ended.
            }
        }
    }
}
