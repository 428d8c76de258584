using Reports.Core.Jobs;
using Reports.Core.Storage;

namespace Reports.Worker.Consuming;

/// <summary>Renews a claimed job's lease on an interval; cancels <see cref="Lost"/> when the renewal is refused.</summary>
internal sealed class LeaseHeartbeat : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _lost = new();
    private readonly Task _loop;

    public LeaseHeartbeat(JobStore store, ClaimedJob claim, WorkerOptions options, TimeProvider time, ILogger logger)
    {
        _loop = RunAsync(store, claim, options, time, logger, _stop.Token);
    }

    /// <summary>Cancelled when another attempt owns the job: the generator must stop writing.</summary>
    public CancellationToken Lost => _lost.Token;

    private async Task RunAsync(JobStore store, ClaimedJob claim, WorkerOptions options, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.Heartbeat, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    if (!await store.RenewLeaseAsync(claim, options.Lease, cancellationToken))
                    {
                        logger.LogWarning("Job {JobId} attempt {Attempt} lost its lease", claim.Id, claim.Attempt);
                        await _lost.CancelAsync();
                        return;
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // PostgreSQL unreachable for a moment: keep trying until the lease would have expired anyway.
                    logger.LogWarning(e, "Could not renew the lease of job {JobId}", claim.Id);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped with the job.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        _lost.Dispose();
    }
}
