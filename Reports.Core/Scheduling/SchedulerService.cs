using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Reports.Core.Scheduling;

/// <summary>Runs the scheduler every second in this process; every API and worker process runs one (it is safe).</summary>
internal sealed class SchedulerService(Scheduler scheduler, TimeProvider time, ILogger<SchedulerService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var created = await scheduler.FireDueAsync(stoppingToken);
                if (created > 0)
                {
                    logger.LogInformation("Scheduler created {Count} reports", created);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("Scheduler pass failed ({Error}); next pass in a second", e.Message);
            }
        }
    }
}

public static class SchedulerExtensions
{
    /// <summary>Runs the scheduler in this process unless <c>Reports:Scheduler:Enabled</c> is false.</summary>
    public static IHostApplicationBuilder AddReportsScheduler(this IHostApplicationBuilder builder)
    {
        if (builder.Configuration.GetValue("Reports:Scheduler:Enabled", true))
        {
            builder.Services.AddHostedService<SchedulerService>();
        }

        return builder;
    }
}
