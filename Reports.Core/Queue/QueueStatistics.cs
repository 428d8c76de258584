using System.Globalization;
using StackExchange.Redis;

namespace Reports.Core.Queue;

/// <summary>
/// A queue's stream as Redis sees it: entries kept (XLEN), entries not yet delivered to the group (lag), entries
/// delivered but not acknowledged (XPENDING: the jobs in hand), and when the oldest undelivered entry was added.
/// </summary>
public sealed record QueueStreamStats(string Queue, long Length, long? Waiting, long Pending, DateTimeOffset? OldestWaitingSince);

public sealed class QueueStatistics(IConnectionMultiplexer redis)
{
    private IDatabase Db => redis.GetDatabase();

    public async Task<QueueStreamStats> ReadAsync(string queue, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var stream = QueueNames.Stream(queue);
        var length = await Db.StreamLengthAsync(stream);
        if (length == 0)
        {
            return new QueueStreamStats(queue, 0, 0, 0, null);
        }

        StreamGroupInfo? group;
        try
        {
            group = (await Db.StreamGroupInfoAsync(stream)).FirstOrDefault(g => g.Name == QueueNames.ConsumerGroup);
        }
        catch (RedisServerException)
        {
            group = null;
        }

        if (group is not { } info)
        {
            return new QueueStreamStats(queue, length, length, 0, await OldestAfterAsync(stream, "-"));
        }

        var oldest = await OldestAfterAsync(stream, info.LastDeliveredId is { Length: > 0 } last ? "(" + last : "-");
        return new QueueStreamStats(queue, length, info.Lag, info.PendingMessageCount, oldest);
    }

    /// <summary>The time of the first entry after <paramref name="start"/>: an entry id starts with its Unix milliseconds.</summary>
    private async Task<DateTimeOffset?> OldestAfterAsync(string stream, string start)
    {
        var entries = await Db.StreamRangeAsync(stream, start, "+", count: 1);
        if (entries.Length == 0)
        {
            return null;
        }

        var id = entries[0].Id.ToString();
        var dash = id.IndexOf('-', StringComparison.Ordinal);
        return long.TryParse(dash < 0 ? id : id[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : null;
    }
}
