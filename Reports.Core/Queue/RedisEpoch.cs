using StackExchange.Redis;

namespace Reports.Core.Queue;

/// <summary>
/// A marker key that tells whether Redis still holds what it held: when the key is missing, Redis came back empty
/// (a restart without its append-only file, a flush, a failover to an empty replica) and every queued job must be
/// published again. SET NX makes exactly one worker notice.
/// </summary>
public sealed class RedisEpoch(IConnectionMultiplexer redis)
{
    private const string Key = "reports:epoch";

    /// <summary>True once per Redis data set: the first time anyone asks after it started empty.</summary>
    public async Task<bool> StartedEmptyAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return await redis.GetDatabase().StringSetAsync(Key, DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            when: When.NotExists);
    }
}
