using Npgsql;
using Reports.Core.Storage;
using Reports.Tests.Integration;

namespace Reports.Tests.Queue;

/// <summary>
/// The sweeper that publishes queued jobs again, on a database of its own (no relay or other sweeper touches its rows):
/// bounded per pass, oldest first, never twice while an outbox row waits, and without resetting a job's age.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class StrandedSweepTests(Infrastructure infrastructure)
{
    private static readonly TimeSpan RepublishAfter = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Publishing_a_queued_job_again_keeps_its_age_on_the_operations_page()
    {
        await using var database = await DatabaseAsync();
        var queue = "sweep-age-" + Guid.NewGuid().ToString("N")[..8];
        var enqueuedAt = await InsertQueuedAsync(database, queue, 1, TimeSpan.FromMinutes(10));
        var store = new JobStore(database, TimeProvider.System);

        var swept = await store.RequeueStrandedAsync(RepublishAfter, 100, republishQueuedBefore: null, CancellationToken.None);
        var counts = (await new OpsQueries(database, TimeProvider.System).QueueCountsAsync(CancellationToken.None)).Single(c => c.Queue == queue);

        Assert.Equal(1, swept.Republished);
        Assert.Equal(1, await OutboxRowsAsync(database, queue));
        Assert.Equal(enqueuedAt, counts.OldestQueuedAt);
    }

    [Fact]
    public async Task A_sweep_publishes_at_most_its_batch_each_job_once_and_none_whose_outbox_row_waits()
    {
        await using var database = await DatabaseAsync();
        var queue = "sweep-batch-" + Guid.NewGuid().ToString("N")[..8];
        await InsertQueuedAsync(database, queue, 25, TimeSpan.FromMinutes(10));
        var waiting = "sweep-waiting-" + Guid.NewGuid().ToString("N")[..8];
        await InsertQueuedAsync(database, waiting, 1, TimeSpan.FromMinutes(10));
        await using (var row = database.CreateCommand("INSERT INTO reports.outbox (job_id, queue) SELECT id, queue FROM reports.jobs WHERE queue = $1"))
        {
            row.Parameters.AddWithValue(waiting);
            await row.ExecuteNonQueryAsync(); // accepted while Redis was down: the relay has not published it yet
        }

        var store = new JobStore(database, TimeProvider.System);
        var passes = new List<int>();
        for (var pass = 0; pass < 4; pass++)
        {
            passes.Add((await store.RequeueStrandedAsync(RepublishAfter, 10, republishQueuedBefore: null, CancellationToken.None)).Republished);
        }

        Assert.Equal([10, 10, 5, 0], passes);
        Assert.Equal(25, await OutboxRowsAsync(database, queue, distinctJobs: true));
        Assert.Equal(25, await OutboxRowsAsync(database, queue));
        Assert.Equal(1, await OutboxRowsAsync(database, waiting));
    }

    [Fact]
    public async Task After_Redis_came_back_empty_every_queued_job_is_published_again_a_batch_per_pass()
    {
        await using var database = await DatabaseAsync();
        var queue = "sweep-epoch-" + Guid.NewGuid().ToString("N")[..8];
        await InsertQueuedAsync(database, queue, 15, TimeSpan.FromSeconds(5)); // younger than RepublishAfter
        var store = new JobStore(database, TimeProvider.System);
        var emptySince = DateTimeOffset.UtcNow;

        var first = await store.RequeueStrandedAsync(RepublishAfter, 10, emptySince, CancellationToken.None);
        var second = await store.RequeueStrandedAsync(RepublishAfter, 10, emptySince, CancellationToken.None);
        var third = await store.RequeueStrandedAsync(RepublishAfter, 10, emptySince, CancellationToken.None);

        Assert.Equal([10, 5, 0], new[] { first.Republished, second.Republished, third.Republished });
        Assert.Equal(15, await OutboxRowsAsync(database, queue, distinctJobs: true));
    }

    [Fact]
    public async Task A_sweep_puts_back_a_job_whose_lease_ran_out_counting_its_attempt_only_if_it_entered_a_slot()
    {
        await using var database = await DatabaseAsync();
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var store = new JobStore(database, clock);
        var queue = "sweep-lease-" + Guid.NewGuid().ToString("N")[..8];
        var ran = (await store.CreateAsync(Integration.NoOpJobs.New(queue), CancellationToken.None)).Job.Id;
        var claimedAhead = (await store.CreateAsync(Integration.NoOpJobs.New(queue), CancellationToken.None)).Job.Id;
        var claims = await store.ClaimManyAsync([ran, claimedAhead], "died", TimeSpan.FromSeconds(30), CancellationToken.None);
        await store.EnterManyAsync([claims[0].Claim!], CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(1));

        var swept = await store.RequeueStrandedAsync(RepublishAfter, 100, republishQueuedBefore: null, CancellationToken.None);

        Assert.Equal(2, swept.Requeued);
        var afterRun = await store.GetAsync(ran, null, CancellationToken.None);
        var afterAhead = await store.GetAsync(claimedAhead, null, CancellationToken.None);
        Assert.Equal(("queued", 1, 0), (afterRun!.Status, afterRun.Attempt, afterRun.Released));
        Assert.Equal(("queued", 1, 1), (afterAhead!.Status, afterAhead.Attempt, afterAhead.Released));
        Assert.Equal(4, await OutboxRowsAsync(database, queue)); // each job's row of its accept (no relay here), and its sweep's
    }

    private async Task<NpgsqlDataSource> DatabaseAsync()
    {
        await infrastructure.SystemAsync();
        return NpgsqlDataSource.Create(await IsolatedDatabase.CreateAsync(infrastructure));
    }

    /// <summary>Queued jobs that entered their queue <paramref name="age"/> ago; returns that time as stored.</summary>
    private static async Task<DateTimeOffset> InsertQueuedAsync(NpgsqlDataSource database, string queue, int count, TimeSpan age)
    {
        await using var insert = database.CreateCommand("""
            INSERT INTO reports.jobs (id, owner, report_type, format, parameters, parameters_hash, queue, status, max_attempts, created_at, updated_at)
            SELECT gen_random_uuid(), 'sweeper', 'orders', 'csv', '{}', 'x', $1, 'queued', 1, now() - $3 - n * interval '1 ms', now() - $3 - n * interval '1 ms'
            FROM generate_series(1, $2) AS n
            RETURNING updated_at
            """);
        insert.Parameters.AddWithValue(queue);
        insert.Parameters.AddWithValue(count);
        insert.Parameters.AddWithValue(age);
        var oldest = DateTimeOffset.MaxValue;
        await using var reader = await insert.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var at = reader.GetFieldValue<DateTimeOffset>(0);
            oldest = at < oldest ? at : oldest;
        }

        return oldest;
    }

    private static async Task<long> OutboxRowsAsync(NpgsqlDataSource database, string queue, bool distinctJobs = false)
    {
        await using var count = database.CreateCommand(
            $"SELECT count({(distinctJobs ? "DISTINCT job_id" : "*")}) FROM reports.outbox WHERE queue = $1");
        count.Parameters.AddWithValue(queue);
        return (long)(await count.ExecuteScalarAsync())!;
    }
}
