using System.Diagnostics;
using Microsoft.Extensions.Options;
using Reports.Core.Queue;
using StackExchange.Redis;

namespace Reports.Worker.Heartbeat;

/// <summary>
/// Tells the operations page this worker is alive every few seconds: its id, host, queues and memory, in a Redis hash
/// that expires after a few missed beats. A Redis outage only makes the worker look absent; its jobs are unaffected.
/// </summary>
internal sealed class WorkerHeartbeat(
    IConnectionMultiplexer redis, IOptions<WorkerOptions> options, TimeProvider time, ILogger<WorkerHeartbeat> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Ttl = Interval * 5;

    private readonly WorkerHeartbeats _heartbeats = new(redis);
    private readonly DateTimeOffset _startedAt = time.GetUtcNow();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                await _heartbeats.WriteAsync(Current(), Ttl, stoppingToken);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                logger.LogDebug("Heartbeat not written: {Error}", e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await _heartbeats.RemoveAsync(options.Value.Id, cancellationToken);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or OperationCanceledException)
        {
            // It expires by itself.
        }
    }

    private WorkerBeat Current()
    {
        using var process = Process.GetCurrentProcess();
        return new WorkerBeat
        {
            Id = options.Value.Id,
            Host = Environment.MachineName,
            ProcessId = Environment.ProcessId,
            Queues = options.Value.Queues,
            WorkingSetBytes = process.WorkingSet64,
            ManagedHeapBytes = GC.GetTotalMemory(forceFullCollection: false),
            StartedAt = _startedAt,
            HeartbeatAt = time.GetUtcNow(),
        };
    }
}
