using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Reports.Core.Generation;
using Reports.Core.Jobs;
using Reports.Core.Generation.Partitions;
using Reports.Core.Queue;
using Reports.Core.Storage;
using Reports.Tests.Engine;
using Reports.Tests.Integration;
using Reports.Worker;
using Reports.Worker.Consuming;
using StackExchange.Redis;

namespace Reports.Tests.Worker;

/// <summary>
/// Hand-backs, against the real servers: a message taken over while its job still runs under another worker's live
/// lease goes back to the lease owner, pending, instead of being acknowledged while the job runs; a job read ahead of its
/// queue's slots that finds none free in time goes back to its queue for another worker, without using an attempt; a
/// request for help read ahead goes back to its queue the same way while its job runs.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class HandBackTests(Infrastructure infrastructure) : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(1);
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

    [Fact]
    public async Task A_job_that_finds_no_slot_in_time_is_queued_again_with_its_attempt_unused_and_its_message_acknowledged()
    {
        var job = (await _store.CreateAsync(NoOpJobs.New(_queue), CancellationToken.None)).Job.Id;
        await _streams.PublishAsync(_queue, job, traceParent: null, CancellationToken.None);
        await using var reader = await _streams.OpenReaderAsync(_queue, "reader", TimeSpan.FromSeconds(1));
        var message = Assert.Single(await reader.ReadAsync(1, CancellationToken.None));
        var options = Options.Create(new WorkerOptions { Id = "reader", ReadAheadWait = TimeSpan.FromMilliseconds(300) });
        var runner = ActivatorUtilities.CreateInstance<JobRunner>(_services, _store, _streams, options);
        using var slots = new JobSlots(1, readAhead: 4, readAheadWait: options.Value.ReadAheadWait);
        using var longJob = await slots.EnterAsync(Timeout.InfiniteTimeSpan, CancellationToken.None); // the queue's one slot, busy

        await runner.RunAsync(message, slots, CancellationToken.None).WaitAsync(Bound);

        var handedBack = await _store.GetAsync(job, null, CancellationToken.None);
        Assert.Equal(("queued", 1, 1), (handedBack!.Status, handedBack.Attempt, handedBack.Released)); // claimed once, released once
        await Engine.FaultSystem.EventuallyAsync(
            async () => (await _redis.GetDatabase().StreamPendingAsync(QueueNames.Stream(_queue), QueueNames.ConsumerGroup)).PendingMessageCount == 0,
            "the message is acknowledged: the job is on the outbox for its next message");
        Assert.True(await OnTheOutboxOrItsStreamAgainAsync(job, message.MessageId));

        // Claimable at once by the next worker, whose attempt is the first the job uses.
        var next = await _store.ClaimAsync(job, "next-worker", TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.Equal((2, 1), (next!.Attempt, next.AttemptsUsed));
    }

    [Fact]
    public async Task A_request_for_help_that_finds_no_slot_in_time_is_passed_on_while_a_partition_is_free_and_dropped_once_none_is_or_the_job_is_over()
    {
        var (job, claim, partitions) = await PartitionedJobAskingForHelpAsync();
        await using var busy = await _streams.OpenReaderAsync(_queue, "busy", TimeSpan.FromSeconds(1));
        await using var idle = await _streams.OpenReaderAsync(_queue, "idle", TimeSpan.FromSeconds(1));
        var options = Options.Create(new WorkerOptions { Id = "busy", ReadAheadWait = TimeSpan.FromMilliseconds(300) });
        var helper = ActivatorUtilities.CreateInstance<PartitionHelper>(_services, _store, _streams, options);
        using var slots = new JobSlots(1, readAhead: 4, readAheadWait: options.Value.ReadAheadWait);
        using var longJob = await slots.EnterAsync(Timeout.InfiniteTimeSpan, CancellationToken.None); // the busy worker's one slot

        // Read ahead by the busy worker while both partitions are free: passed on, as a new request the idle worker reads,
        // and acknowledged. (The job's own message, which the relay publishes from the outbox, may be read beside it.)
        var readAhead = Assert.Single(await busy.ReadAsync(5, CancellationToken.None), m => m.AsksForHelp);
        await helper.RunAsync(readAhead, slots, CancellationToken.None).WaitAsync(Bound);
        var passedOn = Assert.Single(await idle.ReadAsync(5, CancellationToken.None), m => m.AsksForHelp);
        Assert.Equal(job, passedOn.JobId);
        Assert.NotEqual(readAhead.MessageId, passedOn.MessageId);
        var pending = await PendingAsync();
        Assert.DoesNotContain(readAhead.MessageId, pending);
        Assert.Contains(passedOn.MessageId, pending);

        // Every partition held by live claims: nothing for a helper to take, so only acknowledged.
        Assert.NotNull(await partitions.ClaimAsync(job, "other-helper", TimeSpan.FromMinutes(10), null, CancellationToken.None));
        Assert.NotNull(await partitions.ClaimAsync(job, "other-helper", TimeSpan.FromMinutes(10), null, CancellationToken.None));
        await helper.RunAsync(passedOn, slots, CancellationToken.None).WaitAsync(Bound);
        Assert.DoesNotContain(passedOn.MessageId, await PendingAsync());
        Assert.DoesNotContain(await busy.ReadAsync(5, CancellationToken.None), m => m.AsksForHelp);

        // The job over: only acknowledged too.
        Assert.True(await _store.CompleteAsync(claim, file: null, TimeSpan.FromHours(1), CancellationToken.None));
        await _streams.AskForHelpAsync(_queue, job, helpers: 1, traceParent: null, CancellationToken.None);
        var late = Assert.Single(await busy.ReadAsync(5, CancellationToken.None), m => m.AsksForHelp);
        await helper.RunAsync(late, slots, CancellationToken.None).WaitAsync(Bound);
        Assert.DoesNotContain(late.MessageId, await PendingAsync());
        Assert.DoesNotContain(await busy.ReadAsync(5, CancellationToken.None), m => m.AsksForHelp);
    }

    [Fact]
    public async Task A_job_whose_claim_is_withdrawn_from_its_batch_as_the_worker_stops_is_given_back_at_once_unclaimed()
    {
        var job = (await _store.CreateAsync(NoOpJobs.New(_queue), CancellationToken.None)).Job.Id;
        await using var reader = await _streams.OpenReaderAsync(_queue, "stopping", TimeSpan.FromMilliseconds(200));
        JobMessage? message = null;
        await FaultSystem.EventuallyAsync(async () =>
        {
            message = (await reader.ReadAsync(5, CancellationToken.None)).FirstOrDefault(m => m.JobId == job);
            return message is not null;
        }, "the relay publishes the job");
        // Claims wait long for their batch here, so the stop comes while this one waits.
        var options = Options.Create(new WorkerOptions { Id = "stopping", GroupCommitWindow = TimeSpan.FromSeconds(3) });
        await using var commits = new JobCommits(_store, options, TimeProvider.System, NullLogger<JobCommits>.Instance);
        var runner = ActivatorUtilities.CreateInstance<JobRunner>(_services, _store, _streams, commits, options);
        using var stopping = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await runner.RunAsync(message!, new JobSlots(1), stopping.Token).WaitAsync(Bound);

        var job1 = await _store.GetAsync(job, null, CancellationToken.None);
        Assert.Equal(("queued", 0), (job1!.Status, job1.Attempt)); // never claimed
        Assert.DoesNotContain(message!.MessageId, await PendingAsync());
        await FaultSystem.EventuallyAsync(() => OnTheOutboxOrItsStreamAgainAsync(job, message.MessageId), "the job is published again");
    }

    [Fact]
    public async Task A_request_for_help_waiting_for_a_slot_as_the_worker_stops_is_passed_on_for_a_worker_that_stays()
    {
        var (job, _, _) = await PartitionedJobAskingForHelpAsync();
        await using var stoppingWorker = await _streams.OpenReaderAsync(_queue, "stopping", TimeSpan.FromSeconds(1));
        await using var staying = await _streams.OpenReaderAsync(_queue, "staying", TimeSpan.FromSeconds(1));
        var options = Options.Create(new WorkerOptions { Id = "stopping", ReadAheadWait = TimeSpan.FromSeconds(30) });
        var helper = ActivatorUtilities.CreateInstance<PartitionHelper>(_services, _store, _streams, options);
        using var slots = new JobSlots(1, readAhead: 4, readAheadWait: options.Value.ReadAheadWait);
        using var longJob = await slots.EnterAsync(Timeout.InfiniteTimeSpan, CancellationToken.None);
        var request = Assert.Single(await stoppingWorker.ReadAsync(5, CancellationToken.None), m => m.AsksForHelp);
        using var stopping = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await helper.RunAsync(request, slots, stopping.Token).WaitAsync(Bound); // no error: a stop is no failure

        var passedOn = Assert.Single(await staying.ReadAsync(5, CancellationToken.None), m => m.AsksForHelp);
        Assert.Equal(job, passedOn.JobId);
        Assert.DoesNotContain(request.MessageId, await PendingAsync());
    }

    /// <summary>A running job of two free partitions, whose worker has asked for help.</summary>
    private async Task<(Guid Job, ClaimedJob Claim, PartitionStore Partitions)> PartitionedJobAskingForHelpAsync()
    {
        var job = (await _store.CreateAsync(NoOpJobs.New(_queue), CancellationToken.None)).Job.Id;
        var claim = (await _store.ClaimAsync(job, "job-owner", TimeSpan.FromMinutes(10), CancellationToken.None))!;
        var partitions = new PartitionStore(_database, TimeProvider.System);
        Assert.True(await partitions.PlanAsync(claim, [new(null, "2024-01-01", GenerationCheckpoint.Start), new("2024-01-01", null, GenerationCheckpoint.Start)], CancellationToken.None));
        await _streams.AskForHelpAsync(_queue, job, helpers: 1, traceParent: null, CancellationToken.None);
        return (job, claim, partitions);
    }

    private async Task<IReadOnlyList<string>> PendingAsync() =>
        [.. (await _redis.GetDatabase().StreamPendingMessagesAsync(QueueNames.Stream(_queue), QueueNames.ConsumerGroup, 100, RedisValue.Null))
            .Select(p => p.MessageId.ToString())];

    /// <summary>Its outbox row is written (or already relayed: a newer entry of the job on its stream).</summary>
    private async Task<bool> OnTheOutboxOrItsStreamAgainAsync(Guid job, string firstMessageId)
    {
        await using var count = _database.CreateCommand("SELECT count(*) FROM reports.outbox WHERE job_id = @id");
        count.Parameters.AddWithValue("id", job);
        if ((long)(await count.ExecuteScalarAsync())! > 0)
        {
            return true;
        }

        var entries = await _redis.GetDatabase().StreamRangeAsync(QueueNames.Stream(_queue), "-", "+");
        return entries.Any(e => e.Id.ToString() != firstMessageId && e["job"].ToString() == job.ToString());
    }
}
