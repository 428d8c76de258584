using Microsoft.Extensions.Options;
using Reports.Core.Queue;
using StackExchange.Redis;

namespace Reports.Worker.Consuming;

/// <summary>
/// One loop per configured queue, each running at most its configured number of jobs at once, so a flood on one
/// queue never takes the slots of another. Each read asks for as many messages as the loop may hold (its free slots,
/// and as many beyond them as it reads ahead: <see cref="JobSlots"/>) and, on an empty stream, waits inside Redis (a
/// blocking read) until one arrives. Messages left pending by dead consumers are
/// taken over once idle for longer than a lease.
/// </summary>
internal sealed class QueueConsumer(
    RedisJobStreams streams,
    UnclaimedMessages unclaimed,
    JobRunner runner,
    PartitionHelper helper,
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
        using var slots = new JobSlots(concurrency, settings.ReadAhead, settings.ReadAheadWait);
        var lastTakeover = DateTimeOffset.MinValue;
        await WhenRedisAnswersAsync(() => streams.EnsureGroupAsync(queue, stoppingToken), stoppingToken);
        await using var reader = await streams.OpenReaderAsync(queue, settings.Id, settings.IdlePoll);
        logger.LogInformation("Consuming queue {Queue} with concurrency {Concurrency} as {Consumer}", queue, concurrency, settings.Id);

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var free = await slots.TakeFreeAsync(stoppingToken);
                IReadOnlyList<JobMessage> messages;
                try
                {
                    messages = [];
                    if (DateTimeOffset.UtcNow - lastTakeover > settings.Lease)
                    {
                        lastTakeover = DateTimeOffset.UtcNow;
                        messages = await streams.TakeOverAsync(queue, settings.Id, settings.Lease, free, stoppingToken);
                    }

                    if (messages.Count == 0)
                    {
                        messages = await reader.ReadAsync(free, stoppingToken);
                    }
                }
                catch (Exception e) when (e is RedisException or TimeoutException)
                {
                    logger.LogWarning("Queue {Queue}: Redis unavailable ({Error}); retrying", queue, e.Message);
                    slots.Return(free);
                    await Task.Delay(settings.IdlePoll, stoppingToken);
                    continue;
                }

                if (stoppingToken.IsCancellationRequested && messages.Count > 0)
                {
                    // Delivered while this loop waited in Redis and the process began to stop: give them back at once
                    // rather than leave them pending here until another worker takes them over a lease later.
                    await unclaimed.GiveBackAsync(messages);
                    slots.Return(free);
                    break;
                }

                slots.Return(free - messages.Count);
                foreach (var message in messages)
                {
                    slots.Track(RunAsync(message, slots, stoppingToken));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: fall through to wait for the jobs in flight to release themselves.
        }
        finally
        {
            // Whatever ended the loop, its jobs end before their slots go.
            await slots.WhenAllDoneAsync();
        }
    }

    private async Task RunAsync(JobMessage message, JobSlots slots, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Yield();
            await (message.AsksForHelp ? helper.RunAsync(message, slots, stoppingToken) : runner.RunAsync(message, slots, stoppingToken));
        }
        catch (Exception e)
        {
            // One bad job never stops the loop: its message stays pending and is taken over later.
            logger.LogError(e, "Job {JobId} could not be processed; message {MessageId} stays pending", message.JobId, message.MessageId);
        }
        finally
        {
            slots.Return(1);
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
