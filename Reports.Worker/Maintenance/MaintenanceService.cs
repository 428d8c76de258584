using Microsoft.Extensions.Options;
using Reports.Core.Queue;
using Reports.Core.Storage;

namespace Reports.Worker.Maintenance;

/// <summary>
/// Keeps every accepted job moving: relays the outbox to the streams (jobs accepted while Redis was down, released
/// jobs, retries) and re-queues stranded jobs (due retries, expired leases). Safe on any number of workers at once.
/// </summary>
internal sealed class MaintenanceService(
    OutboxRelay relay,
    JobStore store,
    RedisEpoch epoch,
    IOptions<WorkerOptions> options,
    TimeProvider time,
    ILogger<MaintenanceService> logger) : BackgroundService
{
    /// <summary>The API publishes right after commit; the relay leaves fresh rows to it to avoid needless duplicates.</summary>
    private static readonly TimeSpan RelayLookBack = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.MaintenanceInterval, time);
        do
        {
            try
            {
                if (await epoch.StartedEmptyAsync(stoppingToken))
                {
                    var republished = await store.RepublishQueuedAsync(stoppingToken);
                    logger.LogWarning("Redis holds no queue data (new, flushed or restarted empty): {Count} queued jobs published again", republished);
                }

                var stranded = await store.RequeueStrandedAsync(options.Value.RepublishQueuedAfter, stoppingToken);
                if (stranded > 0)
                {
                    logger.LogInformation("Re-queued {Count} stranded jobs", stranded);
                }

                while (await relay.RelayAsync(RelayLookBack, 100, stoppingToken) == 100)
                {
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("Maintenance pass failed ({Error}); next pass in {Interval}", e.Message, options.Value.MaintenanceInterval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
