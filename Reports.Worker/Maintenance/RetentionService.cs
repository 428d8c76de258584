using Microsoft.Extensions.Options;
using Reports.Core.Retention;
using Reports.Core.Storage;

namespace Reports.Worker.Maintenance;

/// <summary>Runs the retention cleanup on an interval (and forgets the partitions of jobs long ended); safe on every worker at once.</summary>
internal sealed class RetentionService(
    RetentionCleaner cleaner, PartitionStore partitions, IOptions<RetentionOptions> options, TimeProvider time, ILogger<RetentionService> logger)
    : BackgroundService
{
    private const int ForgottenJobsPerPass = 1_000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var expired = await cleaner.ExpireDueAsync(stoppingToken);
                if (expired > 0)
                {
                    logger.LogInformation("Retention: {Count} report files deleted, reports expired", expired);
                }

                await cleaner.RemoveOrphansAsync(stoppingToken);
                await cleaner.PruneHistoryAsync(stoppingToken);
                await partitions.ForgetEndedAsync(ForgottenJobsPerPass, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("Retention pass failed ({Error}); next pass in {Interval}", e.Message, options.Value.Interval);
            }
        }
    }
}
