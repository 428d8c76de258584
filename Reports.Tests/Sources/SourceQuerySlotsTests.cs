using Reports.Core.Sources;
using Reports.Tests.Integration;
using StackExchange.Redis;

namespace Reports.Tests.Sources;

/// <summary>The cap on a source's concurrent report queries, shared through the real Redis as workers share it.</summary>
[Collection(IntegrationGroup.Name)]
public sealed class SourceQuerySlotsTests(Infrastructure infrastructure) : IAsyncLifetime
{
    private ConnectionMultiplexer _redis = null!;

    public async Task InitializeAsync() => _redis = await ConnectionMultiplexer.ConnectAsync(infrastructure.RedisConnectionString);

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task Twelve_queries_from_four_workers_never_hold_more_than_the_cap_of_three_and_all_of_them_run()
    {
        var source = NewSource();
        // Four "workers", each its own connection to Redis, as separate processes would be.
        var workers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => ConnectionMultiplexer.ConnectAsync(infrastructure.RedisConnectionString)));
        try
        {
            var running = 0;
            var most = 0;
            var ran = 0;
            await Task.WhenAll(Enumerable.Range(0, 12).Select(async i =>
            {
                var slots = new SourceQuerySlots(workers[i % workers.Length]);
                await using (await slots.WaitAsync(source, cap: 3, TimeSpan.FromMinutes(1), CancellationToken.None))
                {
                    var now = Interlocked.Increment(ref running);
                    InterlockedMax(ref most, now);
                    await Task.Delay(TimeSpan.FromMilliseconds(200));
                    Interlocked.Decrement(ref running);
                    Interlocked.Increment(ref ran);
                }
            }));

            Assert.Equal(12, ran);
            Assert.Equal(3, most); // the cap was reached, never passed
            Assert.Equal(0, await new SourceQuerySlots(_redis).HeldAsync(source, CancellationToken.None));
        }
        finally
        {
            foreach (var worker in workers)
            {
                await worker.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_slot_its_holder_never_gave_back_is_free_again_once_its_lease_is_over()
    {
        var source = NewSource();
        var slots = new SourceQuerySlots(_redis);
        // Taken and never disposed: the holder "died" mid-query.
        _ = await slots.WaitAsync(source, cap: 1, TimeSpan.FromMilliseconds(300), CancellationToken.None);
        Assert.Equal(1, await slots.HeldAsync(source, CancellationToken.None));

        using (var soon = new CancellationTokenSource(TimeSpan.FromMilliseconds(100)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => slots.WaitAsync(source, cap: 1, TimeSpan.FromMinutes(1), soon.Token));
        }

        using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var next = await slots.WaitAsync(source, cap: 1, TimeSpan.FromMinutes(1), bounded.Token);
        Assert.Equal(1, await slots.HeldAsync(source, CancellationToken.None));
    }

    [Fact]
    public async Task A_waiter_that_gives_up_takes_no_slot_and_a_given_back_slot_goes_to_the_next_waiter()
    {
        var source = NewSource();
        var slots = new SourceQuerySlots(_redis);
        var held = await slots.WaitAsync(source, cap: 1, TimeSpan.FromMinutes(1), CancellationToken.None);

        using (var giveUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(150)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => slots.WaitAsync(source, cap: 1, TimeSpan.FromMinutes(1), giveUp.Token));
        }

        Assert.Equal(1, await slots.HeldAsync(source, CancellationToken.None));
        using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var waiting = slots.WaitAsync(source, cap: 1, TimeSpan.FromMinutes(1), bounded.Token);
        await Task.Delay(TimeSpan.FromMilliseconds(50));
        Assert.False(waiting.IsCompleted);

        await held.DisposeAsync();
        await using var next = await waiting;
        Assert.Equal(1, await slots.HeldAsync(source, CancellationToken.None));

        // Another source's cap is its own.
        await using var other = await slots.WaitAsync(NewSource(), cap: 1, TimeSpan.FromMinutes(1), bounded.Token);
    }

    [Fact]
    public async Task A_short_lease_taken_after_a_long_one_does_not_expire_the_long_holders_slot()
    {
        var source = NewSource();
        var slots = new SourceQuerySlots(_redis);
        await using var longHolder = await slots.WaitAsync(source, cap: 2, TimeSpan.FromMinutes(1), CancellationToken.None);
        await (await slots.WaitAsync(source, cap: 2, TimeSpan.FromMilliseconds(100), CancellationToken.None)).DisposeAsync();
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        Assert.Equal(1, await slots.HeldAsync(source, CancellationToken.None));
    }

    private static string NewSource() => "test-" + Guid.NewGuid().ToString("N")[..8];

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
