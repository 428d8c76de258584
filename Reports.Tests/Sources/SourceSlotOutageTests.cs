using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Reports.Core.Catalog;
using Reports.Core.Sources;
using Reports.Tests.Catalog;
using Reports.Tests.Engine;
using StackExchange.Redis;

namespace Reports.Tests.Sources;

/// <summary>The source cap's semaphore lives in Redis: with Redis down, report queries go on without a slot.</summary>
[Collection(FaultGroup.Name)]
public sealed class SourceSlotOutageTests(FaultSystem system)
{
    [Fact]
    public async Task With_redis_stopped_a_query_runs_without_a_slot_at_once_and_with_redis_back_the_cap_holds_again()
    {
        var options = ConfigurationOptions.Parse(system.Infrastructure.RedisConnectionString);
        (options.AbortOnConnectFail, options.ConnectTimeout, options.AsyncTimeout, options.SyncTimeout) = (false, 2_000, 2_000, 2_000);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(options);
        await using var database = NpgsqlDataSource.Create(system.Infrastructure.PostgresConnectionString);
        var cap1 = new SourceOptions { MaxConcurrentQueries = 1 };
        var report = BuiltInReports.Orders with { Source = "outage-" + Guid.NewGuid().ToString("N")[..8] };
        var connections = new SourceConnections(new ReportSources([new ReportSource(report.Source, cap1, database)]),
            new SourceQuerySlots(redis), NullLogger<SourceConnections>.Instance);

        await system.Infrastructure.StopRedisAsync();
        try
        {
            using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            // Twice, past a cap of one: neither waits for the other, nor fails.
            await using var first = await connections.QuerySlotAsync(report, leaveOneFree: false, bounded.Token);
            await using var second = await connections.QuerySlotAsync(report, leaveOneFree: false, bounded.Token);
        }
        finally
        {
            await system.Infrastructure.StartRedisAsync();
        }

        using var back = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var held = await RetryAsync(() => connections.QuerySlotAsync(report, leaveOneFree: false, back.Token), redis, back.Token);
        using var briefly = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connections.QuerySlotAsync(report, leaveOneFree: false, briefly.Token));
    }

    /// <summary>Once Redis answers again (the multiplexer reconnects in the background), the slot is a real one.</summary>
    private static async Task<IAsyncDisposable> RetryAsync(Func<Task<IAsyncDisposable>> take, ConnectionMultiplexer redis, CancellationToken cancellationToken)
    {
        while (!redis.IsConnected)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }

        return await take();
    }
}
