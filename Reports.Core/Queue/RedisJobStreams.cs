using System.Diagnostics;
using Reports.Core.Telemetry;
using StackExchange.Redis;

namespace Reports.Core.Queue;

/// <summary>
/// Queues as Redis Streams with one consumer group each. A message stays pending for its consumer until
/// acknowledged, so a worker that dies mid-job leaves it to be taken over rather than lost.
/// </summary>
public sealed class RedisJobStreams(IConnectionMultiplexer redis)
{
    private const string JobField = "job";
    private const string TraceField = "traceparent";

    /// <summary>Streams are trimmed to about this many entries; PostgreSQL, not the stream, is the record of jobs.</summary>
    public const int MaxStreamLength = 100_000;

    private IDatabase Db => redis.GetDatabase();

    public async Task PublishAsync(string queue, Guid jobId, string? traceParent, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var activity = ReportsActivities.StartRedis(ReportsActivities.Publish, "XADD", QueueNames.Stream(queue), ActivityKind.Producer);
        activity?.SetTag(ReportsActivities.JobIdTag, jobId);
        NameValueEntry[] fields = traceParent is null
            ? [new(JobField, jobId.ToString())]
            : [new(JobField, jobId.ToString()), new(TraceField, traceParent)];
        await Db.StreamAddAsync(QueueNames.Stream(queue), fields, maxLength: MaxStreamLength, useApproximateMaxLength: true);
        await redis.GetSubscriber().PublishAsync(RedisChannel.Literal(QueueNames.WakeChannel(queue)), jobId.ToString());
    }

    /// <summary>Creates the consumer group (and stream) if missing; safe to call again, e.g. after Redis lost its data.</summary>
    public async Task EnsureGroupAsync(string queue, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            await Db.StreamCreateConsumerGroupAsync(QueueNames.Stream(queue), QueueNames.ConsumerGroup, "0-0", createStream: true);
        }
        catch (RedisServerException e) when (e.Message.Contains("BUSYGROUP", StringComparison.Ordinal))
        {
            // Already there.
        }
    }

    /// <summary>Reads up to <paramref name="count"/> new messages for this consumer.</summary>
    public async Task<IReadOnlyList<JobMessage>> ReadAsync(string queue, string consumer, int count, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        StreamEntry[] entries;
        try
        {
            entries = await Db.StreamReadGroupAsync(QueueNames.Stream(queue), QueueNames.ConsumerGroup, consumer, ">", count);
        }
        catch (RedisServerException e) when (e.Message.Contains("NOGROUP", StringComparison.Ordinal))
        {
            // The stream or group vanished (Redis restarted without its data, or was flushed): recreate and go on.
            await EnsureGroupAsync(queue, cancellationToken);
            return [];
        }

        return [.. entries.Select(e => ToMessage(queue, e)).OfType<JobMessage>()];
    }

    /// <summary>
    /// Takes over messages that another consumer has held for longer than <paramref name="minIdle"/> (it died, or lost
    /// its connection): XAUTOCLAIM moves them to <paramref name="consumer"/>. Entries trimmed from the stream are skipped;
    /// the sweeper re-publishes their jobs from PostgreSQL.
    /// </summary>
    public async Task<IReadOnlyList<JobMessage>> TakeOverAsync(string queue, string consumer, TimeSpan minIdle, int count, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            var result = await Db.StreamAutoClaimAsync(QueueNames.Stream(queue), QueueNames.ConsumerGroup, consumer,
                (long)minIdle.TotalMilliseconds, "0-0", count);
            ReportsMetrics.LeaseTakeovers.Add(result.ClaimedEntries.Length, new KeyValuePair<string, object?>(ReportsActivities.QueueTag, queue));
            return [.. result.ClaimedEntries.Where(e => !e.IsNull).Select(e => ToMessage(queue, e)).OfType<JobMessage>()];
        }
        catch (RedisServerException e) when (e.Message.Contains("NOGROUP", StringComparison.Ordinal))
        {
            await EnsureGroupAsync(queue, cancellationToken);
            return [];
        }
    }

    public async Task AcknowledgeAsync(JobMessage message, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var activity = ReportsActivities.StartRedis(ReportsActivities.Acknowledge, "XACK", QueueNames.Stream(message.Queue));
        await Db.StreamAcknowledgeAsync(QueueNames.Stream(message.Queue), QueueNames.ConsumerGroup, message.MessageId);
    }

    /// <summary>Subscribes to a queue's wake-up channel; <paramref name="onMessage"/> runs when a job is published.</summary>
    public async Task SubscribeWakeAsync(string queue, Action onMessage, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(QueueNames.WakeChannel(queue)), (_, _) => onMessage());
    }

    private static JobMessage? ToMessage(string queue, StreamEntry entry)
    {
        var job = entry[JobField];
        var trace = entry[TraceField];
        return Guid.TryParse(job.ToString(), out var id)
            ? new JobMessage(entry.Id.ToString(), queue, id, trace.IsNullOrEmpty ? null : trace.ToString())
            : null;
    }
}
