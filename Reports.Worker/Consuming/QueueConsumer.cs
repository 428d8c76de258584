using Microsoft.Extensions.Options;
using Reports.Core.Queue;
using StackExchange.Redis;

namespace Reports.Worker.Consuming;

/// <summary>
/// One loop per configured queue, each running at most its configured number of jobs at once, so a flood on one
/// queue never takes the slots of another. Idle loops wake on the queue's pub/sub signal or after a short poll.
/// Messages left pending by dead consumers are taken over once idle for longer than a lease.
/// </summary>
internal sealed class QueueConsumer(
    RedisJobStreams streams,
    JobRunner runner,
    IOptions<WorkerOptions> options,
    ILogger<QueueConsumer> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(options.Value.Queues
            .Where(q => q.Value > 0)
            .Select(q => ConsumeAsync(q.Key, q.Value, stoppingToken)));

    private async Task ConsumeAsync(string queue, int concurrency, CancellationToken stoppingToken)
    {
        var settings = options.Value;
        using var slots = new SemaphoreSlim(concurrency, concurrency);
        using var wake = new SemaphoreSlim(0, 1);
        var running = new HashSet<Task>();
        var lastTakeover = DateTimeOffset.MinValue;
        await WhenRedisAnswersAsync(() => streams.EnsureGroupAsync(queue, stoppingToken), stoppingToken);
        await streams.SubscribeWakeAsync(queue, () => Signal(wake), stoppingToken);
        logger.LogInformation("Consuming queue {Queue} with concurrency {Concurrency} as {Consumer}", queue, concurrency, settings.Id);

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await slots.WaitAsync(stoppingToken);
                IReadOnlyList<JobMessage> messages;
                try
                {
                    messages = [];
                    if (DateTimeOffset.UtcNow - lastTakeover > settings.Lease)
                    {
                        lastTakeover = DateTimeOffset.UtcNow;
                        messages = await streams.TakeOverAsync(queue, settings.Id, settings.Lease, 1, stoppingToken);
                    }

                    if (messages.Count == 0)
                    {
                        messages = await streams.ReadAsync(queue, settings.Id, 1, stoppingToken);
                    }
                }
                catch (Exception e) when (e is RedisException or TimeoutException)
                {
                    logger.LogWarning("Queue {Queue}: Redis unavailable ({Error}); retrying", queue, e.Message);
                    messages = [];
                }

                if (messages.Count == 0)
                {
                    slots.Release();
                    await WaitForWorkAsync(wake, settings.IdlePoll, stoppingToken);
                    continue;
                }

                var task = RunAsync(messages[0], slots, stoppingToken);
                lock (running)
                {
                    running.Add(task);
                }

                _ = task.ContinueWith(t => { lock (running) { running.Remove(t); } }, TaskScheduler.Default);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: fall through to wait for the jobs in flight to release themselves.
        }

        Task[] inFlight;
        lock (running)
        {
            inFlight = [.. running];
        }

        await Task.WhenAll(inFlight);
    }

    private async Task RunAsync(JobMessage message, SemaphoreSlim slots, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Yield();
            await runner.RunAsync(message, stoppingToken);
        }
        catch (Exception e)
        {
            // One bad job never stops the loop: its message stays pending and is taken over later.
            logger.LogError(e, "Job {JobId} could not be processed; message {MessageId} stays pending", message.JobId, message.MessageId);
        }
        finally
        {
            slots.Release();
        }
    }

    private static async Task WaitForWorkAsync(SemaphoreSlim wake, TimeSpan poll, CancellationToken stoppingToken) =>
        await wake.WaitAsync(poll, stoppingToken);

    private static void Signal(SemaphoreSlim wake)
    {
        try
        {
            wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
    }

    private async Task WhenRedisAnswersAsync(Func<Task> action, CancellationToken stoppingToken)
    {
        while (true)
        {
            try
            {
                await action();
                return;
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                logger.LogWarning("Redis unavailable ({Error}); retrying", e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }
}
