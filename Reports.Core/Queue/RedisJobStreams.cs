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
    private const string HelpField = "help";
    private const string PartitionsHelp = "partitions";

    private IDatabase Db => redis.GetDatabase();

    public async Task PublishAsync(string queue, Guid jobId, string? traceParent, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var activity = ReportsActivities.StartRedis(ReportsActivities.Publish, "XADD", QueueNames.Stream(queue), ActivityKind.Producer);
        activity?.SetTag(ReportsActivities.JobIdTag, jobId);
        var fields = Fields(jobId, traceParent);
        // No wake-up signal: idle consumers wait inside a blocking XREADGROUP, which Redis answers as soon as this lands.
        // No MAXLEN: a length cap would drop the oldest entries of a large backlog, unread or pending; see TrimAsync.
        await Db.StreamAddAsync(QueueNames.Stream(queue), fields);
    }

    /// <summary>
    /// Asks <paramref name="helpers"/> workers of the queue to draw partitions of a running job: messages of their own
    /// (field <c>help</c>), read like any job's. Not through the outbox: they are best effort, since the job's own worker
    /// reads whatever partitions nobody helps with. A worker of a version before partitions reads one as the job's own
    /// message, finds the job running under a live lease, and drops it.
    /// </summary>
    public async Task AskForHelpAsync(string queue, Guid jobId, int helpers, string? traceParent, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (helpers <= 0)
        {
            return;
        }

        using var activity = ReportsActivities.StartRedis(ReportsActivities.Publish, "XADD", QueueNames.Stream(queue), ActivityKind.Producer);
        activity?.SetTag(ReportsActivities.JobIdTag, jobId);
        NameValueEntry[] fields = [.. Fields(jobId, traceParent), new(HelpField, PartitionsHelp)];
        var batch = Db.CreateBatch();
        var adds = Enumerable.Range(0, helpers).Select(_ => batch.StreamAddAsync(QueueNames.Stream(queue), fields)).ToList();
        batch.Execute();
        await Task.WhenAll(adds);
    }

    /// <summary>
    /// Removes the entries every group is done with: <c>XTRIM … MINID</c> at the oldest entry still needed, which is the
    /// smaller of each group's oldest pending entry and its last delivered one (entries after it are not read yet). An
    /// entry that is unread or pending is never removed, however long the backlog. The bound only moves forward as
    /// consumers read and acknowledge, so a read or acknowledgement landing meanwhile makes it conservative, never wrong.
    /// Nothing is trimmed while the stream has no group (nobody has read it). Returns the number of entries removed.
    /// </summary>
    public async Task<long> TrimAsync(string queue, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var stream = QueueNames.Stream(queue);
        using var activity = ReportsActivities.StartRedis(ReportsActivities.Trim, "XTRIM", stream);
        StreamGroupInfo[] groups;
        try
        {
            groups = await Db.StreamGroupInfoAsync(stream);
        }
        catch (RedisServerException e) when (e.Message.Contains("no such key", StringComparison.OrdinalIgnoreCase))
        {
            return 0; // no stream yet
        }

        StreamId? keepFrom = null;
        foreach (var group in groups)
        {
            keepFrom = StreamId.Min(keepFrom, StreamId.Parse(group.LastDeliveredId));
            var pending = await Db.StreamPendingAsync(stream, group.Name);
            if (pending.PendingMessageCount > 0)
            {
                keepFrom = StreamId.Min(keepFrom, StreamId.Parse(pending.LowestPendingMessageId.ToString()));
            }
        }

        if (keepFrom is not { } bound || bound.IsZero)
        {
            return 0;
        }

        // Exact, not "~": entries older than the bound go, the bound itself and everything after it stay.
        var removed = (long)await Db.ExecuteAsync("XTRIM", stream, "MINID", bound.ToString());
        activity?.SetTag(ReportsActivities.TrimmedTag, removed);
        return removed;
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

    /// <summary>
    /// Opens a reader of new messages on a connection of its own: a blocking read holds its connection until a message
    /// arrives, so it must never share the multiplexed connection that every other command uses.
    /// </summary>
    public Task<BlockingStreamReader> OpenReaderAsync(string queue, string consumer, TimeSpan longestWait) =>
        BlockingStreamReader.OpenAsync(redis, this, queue, consumer, longestWait);

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
            return [.. result.ClaimedEntries.Where(e => !e.IsNull).Select(e => ToMessage(queue, e)).OfType<JobMessage>()
                .Select(m => m with { TakenOver = true })];
        }
        catch (RedisServerException e) when (e.Message.Contains("NOGROUP", StringComparison.Ordinal))
        {
            await EnsureGroupAsync(queue, cancellationToken);
            return [];
        }
    }

    /// <summary>
    /// Keeps a running job's message pending on <paramref name="consumer"/>, idle for no time: <c>XCLAIM … JUSTID</c> with
    /// no minimum idle resets its idle time (and takes it back, had another consumer taken it over). A job's heartbeat
    /// calls this with every renewal, so the message of a job that is still running is never idle long enough for a
    /// takeover, however long the job runs; once the worker dies or freezes, it is.
    /// </summary>
    public async Task HoldAsync(JobMessage message, string consumer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        cancellationToken.ThrowIfCancellationRequested();
        using var activity = ReportsActivities.StartRedis(ReportsActivities.Hold, "XCLAIM", QueueNames.Stream(message.Queue));
        await Db.StreamClaimIdsOnlyAsync(QueueNames.Stream(message.Queue), QueueNames.ConsumerGroup, consumer, 0, [message.MessageId]);
    }

    /// <summary>
    /// Gives a message taken over back to <paramref name="owner"/>, the worker whose live lease runs its job: the message
    /// is pending again on the consumer that runs the job, rather than acknowledged while the job runs. It keeps an idle
    /// time of <paramref name="idle"/> (the takeover's minimum): if it is the message the owner's heartbeat holds, the
    /// next beat makes it fresh; if it is an older duplicate, it stays idle, awaiting the takeover that drops it once
    /// the job has ended, and never looks held.
    /// </summary>
    public async Task HandBackAsync(JobMessage message, string owner, TimeSpan idle, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        cancellationToken.ThrowIfCancellationRequested();
        var stream = QueueNames.Stream(message.Queue);
        using var activity = ReportsActivities.StartRedis(ReportsActivities.HandBack, "XCLAIM", stream);
        await Db.ExecuteAsync("XCLAIM", stream, QueueNames.ConsumerGroup, owner, 0, message.MessageId,
            "IDLE", (long)idle.TotalMilliseconds, "JUSTID");
    }

    /// <summary>
    /// Acknowledges a message whose outcome is already recorded in PostgreSQL. Sent without waiting for the answer: an
    /// acknowledgement that gets lost leaves the message pending, and its takeover finds the job final and drops it.
    /// </summary>
    public void Acknowledge(JobMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var activity = ReportsActivities.StartRedis(ReportsActivities.Acknowledge, "XACK", QueueNames.Stream(message.Queue));
        try
        {
            Db.StreamAcknowledge(QueueNames.Stream(message.Queue), QueueNames.ConsumerGroup, message.MessageId, CommandFlags.FireAndForget);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // Redis away: the message stays pending and is dropped at its takeover.
        }
    }

    /// <summary>Acknowledges and waits for Redis to answer: for a process about to exit, whose unsent commands would be lost.</summary>
    public async Task AcknowledgeAsync(JobMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        cancellationToken.ThrowIfCancellationRequested();
        using var activity = ReportsActivities.StartRedis(ReportsActivities.Acknowledge, "XACK", QueueNames.Stream(message.Queue));
        await Db.StreamAcknowledgeAsync(QueueNames.Stream(message.Queue), QueueNames.ConsumerGroup, message.MessageId);
    }

    /// <summary>A job's entry: its id, and the trace context of the request that created it when there is one.</summary>
    private static NameValueEntry[] Fields(Guid jobId, string? traceParent) => traceParent is null
        ? [new(JobField, jobId.ToString())]
        : [new(JobField, jobId.ToString()), new(TraceField, traceParent)];

    internal static JobMessage? ToMessage(string queue, string messageId, RedisValue job, RedisValue trace, RedisValue help) =>
        Guid.TryParse(job.ToString(), out var id)
            ? new JobMessage(messageId, queue, id, trace.IsNullOrEmpty ? null : trace.ToString()) { AsksForHelp = help == PartitionsHelp }
            : null;

    internal const string JobFieldName = JobField;
    internal const string TraceFieldName = TraceField;
    internal const string HelpFieldName = HelpField;

    private static JobMessage? ToMessage(string queue, StreamEntry entry) =>
        ToMessage(queue, entry.Id.ToString(), entry[JobField], entry[TraceField], entry[HelpField]);
}
