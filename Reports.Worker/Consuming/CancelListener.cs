using Reports.Core.Queue;
using StackExchange.Redis;

namespace Reports.Worker.Consuming;

/// <summary>Relays cancel signals from Redis to the jobs running in this process.</summary>
internal sealed class CancelListener(CancelSignals signals, RunningJobs running, ILogger<CancelListener> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await signals.SubscribeAsync(running.Cancel, stoppingToken);
                return;
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                // Until Redis answers, cancels still arrive through the heartbeat.
                logger.LogWarning("Cannot subscribe to cancel signals yet ({Error})", e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }
}
