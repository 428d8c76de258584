using Reports.Core.Jobs;
using Reports.Core.Storage;

namespace Reports.Worker.Consuming;

/// <summary>
/// Renews a claimed job's (or partition's) lease on an interval, and on every beat (renewed or not, until the lease is lost) keeps the
/// job's queue message pending on this worker (<see cref="Reports.Core.Queue.RedisJobStreams.HoldAsync"/>). Cancels <see cref="Lost"/> when a renewal is
/// refused (another attempt owns the job), and also when the lease runs out without a renewal getting through: from
/// then on another worker may claim the job, so this one must stop, answer or no answer.
/// </summary>
internal sealed class LeaseHeartbeat : IAsyncDisposable
{
    private readonly PeriodicTimer _timer;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _lost;
    private readonly Task _loop;

    /// <param name="hold">Keeps the job's message pending on this worker; its failures are logged, never fatal.</param>
    /// <param name="entered">Whether the attempt holds a job slot now: each renewal from then on records it as entered.</param>
    public LeaseHeartbeat(
        JobStore store, ClaimedJob claim, WorkerOptions options, TimeProvider time, ILogger logger, Func<CancellationToken, Task>? hold = null,
        Func<bool>? entered = null)
        : this(ct => store.RenewLeaseAsync(claim, options.Lease, ct, entered?.Invoke() ?? false), claim.LeaseExpiresAt,
            $"job {claim.Id} attempt {claim.Attempt}", options, time, logger, hold)
    {
    }

    /// <param name="renew">Extends the lease by <see cref="WorkerOptions.Lease"/>; false once it is held no longer.</param>
    /// <param name="leaseExpiresAt">The lease as the claim wrote it.</param>
    /// <param name="holder">What holds the lease, for the log.</param>
    /// <param name="hold">Keeps a queue message pending on this worker; its failures are logged, never fatal.</param>
    public LeaseHeartbeat(
        Func<CancellationToken, Task<bool>> renew, DateTimeOffset leaseExpiresAt, string holder, WorkerOptions options, TimeProvider time,
        ILogger logger, Func<CancellationToken, Task>? hold = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        // The local deadline is the lease as the claim wrote it, by this worker's clock: the lease others compare with.
        _lost = new CancellationTokenSource(Remaining(leaseExpiresAt, time), time);
        _timer = new PeriodicTimer(options.Heartbeat, time);
        _loop = RunAsync(renew, holder, options, time, logger, hold, _stop.Token);
    }

    /// <summary>Cancelled when this attempt may no longer hold the job: the generator must stop writing.</summary>
    public CancellationToken Lost => _lost.Token;

    private async Task RunAsync(
        Func<CancellationToken, Task<bool>> renew, string holder, WorkerOptions options, TimeProvider time, ILogger logger,
        Func<CancellationToken, Task>? hold, CancellationToken cancellationToken)
    {
        // Ends when the timer is disposed: most jobs end before their first renewal, and an ending that throws (a
        // cancelled wait) would cost each of them an exception.
        while (await _timer.WaitForNextTickAsync(CancellationToken.None))
        {
            try
            {
                // Taken before the renewal is sent: the lease it writes runs from a moment no earlier than this one.
                var renewing = time.GetUtcNow();
                if (!await renew(cancellationToken))
                {
                    logger.LogWarning("The lease of {Holder} is lost", holder);
                    await _lost.CancelAsync();
                    return;
                }

                _lost.CancelAfter(Remaining(renewing + options.Lease, time));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return; // the job ended while a renewal was in flight
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // PostgreSQL unreachable for a moment: keep trying; the local deadline stops the job if the lease runs out.
                // The message is held all the same: the lease written last may still be live, and a message left to idle
                // would be taken over (and, its job's lease live, handed back) while the job still runs here.
                logger.LogWarning(e, "Could not renew the lease of {Holder}", holder);
            }

            // Every beat, whether or not the renewal got through, so the message's idle time never reaches a lease; not
            // once the lease has run out here, from when another worker may claim the job.
            if (!_lost.IsCancellationRequested)
            {
                await HoldAsync(hold, holder, logger, cancellationToken);
            }
        }
    }

    private static async Task HoldAsync(Func<CancellationToken, Task>? hold, string holder, ILogger logger, CancellationToken cancellationToken)
    {
        if (hold is null)
        {
            return;
        }

        try
        {
            await hold(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The job ended meanwhile.
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Redis away: the message may be taken over and dropped (the job's live lease refuses the claim); the job
            // goes on, and should this worker die, the sweeper re-queues the job once its lease has expired.
            logger.LogWarning("Could not keep the message of {Holder} pending ({Error})", holder, e.Message);
        }
    }

    private static TimeSpan Remaining(DateTimeOffset until, TimeProvider time)
    {
        var left = until - time.GetUtcNow();
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
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
