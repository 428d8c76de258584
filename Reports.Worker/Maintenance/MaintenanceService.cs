using Microsoft.Extensions.Options;
using Reports.Core.Queue;
using Reports.Core.Storage;

namespace Reports.Worker.Maintenance;

/// <summary>
/// Keeps every accepted job moving: relays the outbox to the streams (jobs accepted while Redis was down, released
/// jobs, retries), re-queues stranded jobs (due retries, expired leases) and trims the streams of the entries every
/// consumer group is done with (never one unread or pending). Safe on any number of workers at once.
/// </summary>
internal sealed class MaintenanceService(
    OutboxRelay relay,
    JobStore store,
    RedisEpoch epoch,
    RedisJobStreams streams,
    IOptions<WorkerOptions> options,
    Reports.Core.Windows.ProcessingWindows windows,
    TimeProvider time,
    ILogger<MaintenanceService> logger) : BackgroundService
{
    /// <summary>The API publishes right after commit; the relay leaves fresh rows to it to avoid needless duplicates.</summary>
    private static readonly TimeSpan RelayLookBack = TimeSpan.FromSeconds(1);

    /// <summary>Set when Redis came back empty: queued jobs not published since are published again, a batch per pass.</summary>
    private DateTimeOffset? _republishQueuedBefore;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.MaintenanceInterval, time);
        var batch = options.Value.RepublishBatchSize;
        await ReleaseWaitingAsync(batch, stoppingToken);
        do
        {
            try
            {
                if (await epoch.StartedEmptyAsync(stoppingToken))
                {
                    _republishQueuedBefore = time.GetUtcNow();
                    logger.LogWarning("Redis holds no queue data (new, flushed or restarted empty): queued jobs are published again, {Batch} per pass", batch);
                }

                var swept = await store.RequeueStrandedAsync(options.Value.RepublishQueuedAfter, batch, _republishQueuedBefore, stoppingToken);
                if (swept.Republished < batch)
                {
                    _republishQueuedBefore = null; // every queued job is on its way again
                }

                if (swept.Requeued + swept.Republished > 0)
                {
                    logger.LogInformation("Re-queued {Requeued} stranded jobs, published {Republished} queued jobs again", swept.Requeued, swept.Republished);
                }

                while (await relay.RelayAsync(RelayLookBack, 100, stoppingToken) == 100)
                {
                }

                foreach (var queue in QueueNames.All)
                {
                    await streams.TrimAsync(queue, stoppingToken);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("Maintenance pass failed ({Error}); next pass in {Interval}", e.Message, options.Value.MaintenanceInterval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>
    /// At start, every waiting job is looked at again against the windows as configured now: one whose window was removed,
    /// or is open now, is queued at once rather than held until the opening time it was given. Page by page; a failure
    /// is logged and left (the jobs still run when their old opening time comes).
    /// </summary>
    private async Task ReleaseWaitingAsync(int batch, CancellationToken stoppingToken)
    {
        try
        {
            var closed = windows.ClosedAt(time.GetUtcNow());
            (DateTimeOffset, Guid)? after = null;
            var released = 0;
            WaitingPage page;
            do
            {
                page = await store.ReleaseWaitingAsync(closed, after, batch, stoppingToken);
                released += page.Released;
                after = page.Last;
            }
            while (page.Read == batch);

            if (released > 0)
            {
                logger.LogInformation("Queued {Count} waiting jobs whose processing window is gone or open now", released);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("Waiting jobs not re-evaluated at start ({Error}); they run when their window opens", e.Message);
        }
    }
}
