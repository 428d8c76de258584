using StackExchange.Redis;

namespace Reports.Core.Sources;

/// <summary>
/// A cap on the report queries running against one data source, shared by every worker: a counting semaphore in Redis.
/// Each holder is a member of the sorted set <c>reports:sources:&lt;source&gt;:slots</c> scored by when its slot lapses,
/// on Redis's clock, so workers' clocks never matter. A slot is taken for one query (a page, a count, a totals query)
/// and its lease is that query's statement timeout plus a margin: a worker that dies while holding one frees it when
/// the lease is over, with no renewal needed, since the database has ended the query by then.
/// </summary>
public sealed class SourceQuerySlots(IConnectionMultiplexer redis)
{
    /// <summary>The longest wait between two tries for a full source's slot.</summary>
    private static readonly TimeSpan MaxPoll = TimeSpan.FromMilliseconds(250);

    // KEYS[1] the set; ARGV: holder, cap, lease in ms. Drops lapsed holders, then takes a slot if one is free.
    private static readonly LuaScript Acquire = LuaScript.Prepare("""
        local now = redis.call('TIME')
        local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
        redis.call('ZREMRANGEBYSCORE', @key, '-inf', ms)
        if redis.call('ZCARD', @key) >= tonumber(@cap) then
            return 0
        end
        redis.call('ZADD', @key, ms + tonumber(@lease), @holder)
        local last = redis.call('ZRANGE', @key, -1, -1, 'WITHSCORES')
        redis.call('PEXPIREAT', @key, last[2])
        return 1
        """);

    private static readonly LuaScript CountHeld = LuaScript.Prepare("""
        local now = redis.call('TIME')
        return redis.call('ZCOUNT', @key, '(' .. (tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)), '+inf')
        """);

    public static string Key(string source) => $"reports:sources:{source}:slots";

    /// <summary>
    /// Waits for one of the <paramref name="cap"/> query slots of <paramref name="source"/>, held until the result is
    /// disposed or <paramref name="lease"/> is over, whichever comes first.
    /// </summary>
    public async Task<Slot> WaitAsync(string source, int cap, TimeSpan lease, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cap, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(lease, TimeSpan.FromMilliseconds(1));
        var holder = Guid.NewGuid().ToString("N");
        var key = (RedisKey)Key(source);
        var poll = TimeSpan.FromMilliseconds(10);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long taken;
            try
            {
                taken = (long)await redis.GetDatabase().ScriptEvaluateAsync(Acquire,
                    new { key, holder = (RedisValue)holder, cap, lease = (long)lease.TotalMilliseconds });
            }
            catch (RedisTimeoutException)
            {
                // The script may have run and taken a slot the caller never hears of: give it back, best effort.
                _ = redis.GetDatabase().SortedSetRemoveAsync(key, holder, CommandFlags.FireAndForget);
                throw;
            }

            if (taken == 1)
            {
                return new Slot(redis, key, holder);
            }

            // Jittered and growing: waiters on a busy source spread out instead of polling in step.
            await Task.Delay(poll * (0.5 + Random.Shared.NextDouble()), cancellationToken);
            poll = TimeSpan.FromTicks(Math.Min(poll.Ticks * 2, MaxPoll.Ticks));
        }
    }

    /// <summary>How many slots of <paramref name="source"/> are held now.</summary>
    public async Task<long> HeldAsync(string source, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return (long)await redis.GetDatabase().ScriptEvaluateAsync(CountHeld, new { key = (RedisKey)Key(source) });
    }

    /// <summary>One held slot; disposing it gives it back at once.</summary>
    public sealed class Slot(IConnectionMultiplexer redis, RedisKey key, string holder) : IAsyncDisposable
    {
        private int _released;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                try
                {
                    await redis.GetDatabase().SortedSetRemoveAsync(key, holder);
                }
                catch (Exception e) when (e is RedisException or TimeoutException)
                {
                    // Not given back (Redis away): it lapses by itself at the end of its lease.
                }
            }
        }
    }
}
