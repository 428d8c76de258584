using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Reports.Core.Queue;
using Reports.Core.Storage;
using Reports.Tests.Integration;
using Reports.Worker;
using Reports.Worker.Consuming;
using StackExchange.Redis;

namespace Reports.Tests.Worker;

/// <summary>
/// A takeover of a message whose job still runs under another worker's live lease, against the real servers: the
/// message goes back to the lease owner, pending, instead of being acknowledged while the job runs.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class TakeoverHandBackTests(Infrastructure infrastructure)
{
    [Fact]
    public async Task A_message_taken_over_from_a_live_lease_goes_back_pending_to_the_lease_owner()
    {
        var services = (await infrastructure.SystemAsync()).WorkerServices;
        var queue = "test-handback-" + Guid.NewGuid().ToString("N");
        await using var database = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(infrastructure.RedisConnectionString);
        var store = new JobStore(database, TimeProvider.System);
        var streams = new RedisJobStreams(redis);
        await streams.EnsureGroupAsync(queue, CancellationToken.None);

        // The lease owner read the job's message and runs the job under a live lease, but its message went idle.
        var job = (await store.CreateAsync(NoOpJobs.New(queue), CancellationToken.None)).Job.Id;
        await streams.PublishAsync(queue, job, traceParent: null, CancellationToken.None);
        var delivered = await redis.GetDatabase().StreamReadGroupAsync(QueueNames.Stream(queue), QueueNames.ConsumerGroup, "lease-owner", ">", 1);
        Assert.Single(delivered);
        Assert.NotNull(await store.ClaimAsync(job, "lease-owner", TimeSpan.FromMinutes(10), CancellationToken.None));

        // Another worker takes the message over and runs it.
        var takenOver = Assert.Single(await streams.TakeOverAsync(queue, "taker", TimeSpan.Zero, 10, CancellationToken.None));
        Assert.True(takenOver.TakenOver);
        var options = Options.Create(new WorkerOptions { Id = "taker" });
        var runner = ActivatorUtilities.CreateInstance<JobRunner>(services, store, streams, options);
        await runner.RunAsync(takenOver, CancellationToken.None);

        var pending = await redis.GetDatabase().StreamPendingMessagesAsync(QueueNames.Stream(queue), QueueNames.ConsumerGroup, 10, RedisValue.Null);
        var entry = Assert.Single(pending); // still pending: the job runs
        Assert.Equal(takenOver.MessageId, entry.MessageId.ToString());
        Assert.Equal("lease-owner", entry.ConsumerName.ToString());
        var stillRunning = await store.GetAsync(job, null, CancellationToken.None);
        Assert.Equal("running", stillRunning!.Status);
        Assert.Equal(1, stillRunning.Attempt);
    }

    [Fact]
    public async Task A_new_duplicate_message_of_a_job_running_elsewhere_is_acknowledged()
    {
        var services = (await infrastructure.SystemAsync()).WorkerServices;
        var queue = "test-handback-" + Guid.NewGuid().ToString("N");
        await using var database = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(infrastructure.RedisConnectionString);
        var store = new JobStore(database, TimeProvider.System);
        var streams = new RedisJobStreams(redis);
        await streams.EnsureGroupAsync(queue, CancellationToken.None);
        var job = (await store.CreateAsync(NoOpJobs.New(queue), CancellationToken.None)).Job.Id;
        Assert.NotNull(await store.ClaimAsync(job, "lease-owner", TimeSpan.FromMinutes(10), CancellationToken.None));

        // Published again (as the sweeper may) and read as new by another worker.
        await streams.PublishAsync(queue, job, traceParent: null, CancellationToken.None);
        await using var reader = await streams.OpenReaderAsync(queue, "reader", TimeSpan.FromSeconds(1));
        var duplicate = Assert.Single(await reader.ReadAsync(1, CancellationToken.None));
        Assert.False(duplicate.TakenOver);
        var runner = ActivatorUtilities.CreateInstance<JobRunner>(services, store, streams, Options.Create(new WorkerOptions { Id = "reader" }));
        await runner.RunAsync(duplicate, CancellationToken.None);

        await Engine.FaultSystem.EventuallyAsync(
            async () => (await redis.GetDatabase().StreamPendingAsync(QueueNames.Stream(queue), QueueNames.ConsumerGroup)).PendingMessageCount == 0,
            "the duplicate is acknowledged (sent without waiting for Redis's answer)");
    }
}
