using Reports.Core.Jobs;
using Reports.Core.Storage;

namespace Reports.Worker.Consuming;

/// <summary>Renews a claimed job's lease on an interval; cancels <see cref="Lost"/> when the renewal is refused.</summary>
internal sealed class LeaseHeartbeat : IAsyncDisposable
{
    private readonly PeriodicTimer _timer;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _lost = new();
    private readonly Task _loop;

    public LeaseHeartbeat(JobStore store, ClaimedJob claim, WorkerOptions options, TimeProvider time, ILogger logger)
    {
        _timer = new PeriodicTimer(options.Heartbeat, time);
        _loop = RunAsync(store, claim, options, logger, _stop.Token);
    }

    /// <summary>Cancelled when another attempt owns the job: the generator must stop writing.</summary>
    public CancellationToken Lost => _lost.Token;

    private async Task RunAsync(JobStore store, ClaimedJob claim, WorkerOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        // Ends when the timer is disposed: most jobs end before their first renewal, and an ending that throws (a
        // cancelled wait) would cost each of them an exception.
        while (await _timer.WaitForNextTickAsync(CancellationToken.None))
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
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return; // the job ended while a renewal was in flight
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // PostgreSQL unreachable for a moment: keep trying until the lease would have expired anyway.
                logger.LogWarning(e, "Could not renew the lease of job {JobId}", claim.Id);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _timer.Dispose();
        if (!_loop.IsCompleted)
        {
            await _stop.CancelAsync(); // only a renewal in flight is still running: do not wait for it
        }

        await _loop;
        _stop.Dispose();
        _lost.Dispose();
    }
}
