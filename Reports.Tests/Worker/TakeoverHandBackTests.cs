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
public sealed class TakeoverHandBackTests(Infrastructure infrastructure) : IAsyncLifetime
{
    private readonly string _queue = "test-handback-" + Guid.NewGuid().ToString("N");
    private IServiceProvider _services = null!;
    private NpgsqlDataSource _database = null!;
    private ConnectionMultiplexer _redis = null!;
    private JobStore _store = null!;
    private RedisJobStreams _streams = null!;

    public async Task InitializeAsync()
    {
        _services = (await infrastructure.SystemAsync()).WorkerServices;
        _database = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString);
        _redis = await ConnectionMultiplexer.ConnectAsync(infrastructure.RedisConnectionString);
        _store = new JobStore(_database, TimeProvider.System);
        _streams = new RedisJobStreams(_redis);
        await _streams.EnsureGroupAsync(_queue, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task A_message_taken_over_from_a_live_lease_goes_back_pending_to_the_lease_owner()
    {
        // The lease owner read the job's message and runs the job under a live lease, but its message went idle.
        var job = (await _store.CreateAsync(NoOpJobs.New(_queue), CancellationToken.None)).Job.Id;
        await _streams.PublishAsync(_queue, job, traceParent: null, CancellationToken.None);
        var delivered = await _redis.GetDatabase().StreamReadGroupAsync(QueueNames.Stream(_queue), QueueNames.ConsumerGroup, "lease-owner", ">", 1);
        Assert.Single(delivered);
        Assert.NotNull(await _store.ClaimAsync(job, "lease-owner", TimeSpan.FromMinutes(10), CancellationToken.None));

        // Another worker takes the message over and runs it.
        var takenOver = Assert.Single(await _streams.TakeOverAsync(_queue, "taker", TimeSpan.Zero, 10, CancellationToken.None));
        Assert.True(takenOver.TakenOver);
        var options = Options.Create(new WorkerOptions { Id = "taker" });
        var runner = ActivatorUtilities.CreateInstance<JobRunner>(_services, _store, _streams, options);
        await runner.RunAsync(takenOver, new JobSlots(1), CancellationToken.None);

        var pending = await _redis.GetDatabase().StreamPendingMessagesAsync(QueueNames.Stream(_queue), QueueNames.ConsumerGroup, 10, RedisValue.Null);
        var entry = Assert.Single(pending); // still pending: the job runs
        Assert.Equal(takenOver.MessageId, entry.MessageId.ToString());
        Assert.Equal("lease-owner", entry.ConsumerName.ToString());
        // As idle as a takeover found it: the owner's heartbeat, not the hand-back, makes it fresh (an older duplicate
        // handed back must not look held).
        Assert.True(entry.IdleTimeInMilliseconds >= (long)options.Value.Lease.TotalMilliseconds, $"idle {entry.IdleTimeInMilliseconds} ms");
        var stillRunning = await _store.GetAsync(job, null, CancellationToken.None);
        Assert.Equal("running", stillRunning!.Status);
        Assert.Equal(1, stillRunning.Attempt);
    }

    [Fact]
    public async Task A_new_duplicate_message_of_a_job_running_elsewhere_is_acknowledged()
    {
        var job = (await _store.CreateAsync(NoOpJobs.New(_queue), CancellationToken.None)).Job.Id;
        Assert.NotNull(await _store.ClaimAsync(job, "lease-owner", TimeSpan.FromMinutes(10), CancellationToken.None));

        // Published again (as the sweeper may) and read as new by another worker.
        await _streams.PublishAsync(_queue, job, traceParent: null, CancellationToken.None);
        await using var reader = await _streams.OpenReaderAsync(_queue, "reader", TimeSpan.FromSeconds(1));
        var duplicate = Assert.Single(await reader.ReadAsync(1, CancellationToken.None));
        Assert.False(duplicate.TakenOver);
        var runner = ActivatorUtilities.CreateInstance<JobRunner>(_services, _store, _streams, Options.Create(new WorkerOptions { Id = "reader" }));
        await runner.RunAsync(duplicate, new JobSlots(1), CancellationToken.None);

        await Engine.FaultSystem.EventuallyAsync(
            async () => (await _redis.GetDatabase().StreamPendingAsync(QueueNames.Stream(_queue), QueueNames.ConsumerGroup)).PendingMessageCount == 0,
            "the duplicate is acknowledged (sent without waiting for Redis's answer)");
    }
}
