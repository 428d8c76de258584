using Hangfire;
using Hangfire.Redis.StackExchange;
using StackExchange.Redis;

namespace Reports.Bench.Peers.Hangfire;

/// <summary>Hangfire.Redis.StackExchange with its default options, under a key prefix that none of our engine's keys has.</summary>
internal sealed class RedisPeerStorage : IPeerStorage
{
    public const string Prefix = "{bench-peers-hangfire}:";
    private readonly ConnectionMultiplexer _redis;

    private RedisPeerStorage(ConnectionMultiplexer redis)
    {
        _redis = redis;
        Jobs = new RedisStorage(redis, new RedisStorageOptions { Prefix = Prefix });
    }

    public JobStorage Jobs { get; }

    public static async Task<RedisPeerStorage> OpenEmptyAsync(string connectionString, CancellationToken cancellationToken)
    {
        var redis = await ConnectionMultiplexer.ConnectAsync(connectionString);
        await DeleteKeysAsync(redis, cancellationToken);
        return new RedisPeerStorage(redis);
    }

    public async ValueTask DisposeAsync()
    {
        await DeleteKeysAsync(_redis, CancellationToken.None);
        await _redis.DisposeAsync();
    }

    private static async Task DeleteKeysAsync(ConnectionMultiplexer redis, CancellationToken cancellationToken)
    {
        var database = redis.GetDatabase();
        var keys = new List<RedisKey>();
        await foreach (var key in redis.GetServers()[0].KeysAsync(database.Database, Prefix + "*", pageSize: 1000).WithCancellation(cancellationToken))
        {
            keys.Add(key);
        }

        foreach (var chunk in keys.Chunk(1000))
        {
            await database.KeyDeleteAsync(chunk);
        }
    }
}
