using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Reports.Core.Jobs;
using Reports.Core.Storage;
using Reports.Tests.Engine;
using Reports.Tests.Integration;
using Reports.Worker;
using Reports.Worker.Consuming;

namespace Reports.Tests.Worker;

/// <summary>
/// A worker's group-committed claims and completions against the real database, when something gets in their way: a
/// job row another transaction holds, and a batch whose connection is lost.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class JobCommitsTests(Infrastructure infrastructure) : IAsyncLifetime
{
    private const string Queue = "test-job-commits";
    private const string WorkerId = "commits-worker";
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Retention = TimeSpan.FromDays(1);
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(1);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2034, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private NpgsqlDataSource _database = null!;
    private JobStore _jobs = null!;

    public async Task InitializeAsync()
    {
        await infrastructure.SystemAsync(); // migrated
        _database = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString);
        _jobs = new JobStore(_database, _clock);
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task A_claim_whose_row_another_transaction_holds_holds_up_none_of_the_others_and_is_claimed_once_the_row_is_free()
    {
        var ids = await NewJobsAsync(3);
        await using var commits = Commits();
        await using var blocker = await _database.OpenConnectionAsync();
        await using var transaction = await blocker.BeginTransactionAsync();
        await HoldAsync(blocker, transaction, ids[1]); // as a long cancel, or the sweep, would

        var held = commits.ClaimAsync(ids[1], CancellationToken.None);
        var others = await Task.WhenAll(commits.ClaimAsync(ids[0], CancellationToken.None), commits.ClaimAsync(ids[2], CancellationToken.None))
            .WaitAsync(Bound);

        Assert.Equal([ids[0], ids[2]], others.Select(c => c?.Id));
        await FaultSystem.EventuallyAsync(() => WaitsForRowAsync("UPDATE reports.jobs SET status = 'running'%"), "the held job's claim waits for its row alone");
        Assert.False(held.IsCompleted); // neither claimed nor taken for a job claimed elsewhere

        await transaction.RollbackAsync();

        var claim = await held.WaitAsync(Bound);
        Assert.Equal((ids[1], 1, WorkerId), (claim?.Id, claim?.Attempt, claim?.WorkerId));
    }

    [Fact]
    public async Task Completions_of_a_batch_that_lost_its_connection_and_those_waiting_behind_it_are_written_again_alone()
    {
        var ids = await NewJobsAsync(4);
        var claims = (await _jobs.ClaimManyAsync(ids, WorkerId, Lease, CancellationToken.None)).Select(c => c.Claim!).ToList();
        await using var commits = Commits();

        Task<bool> first;
        await using (var blocker = await _database.OpenConnectionAsync())
        await using (var transaction = await blocker.BeginTransactionAsync())
        {
            // The first batch waits for a held row; three completions queue behind it; then its backend is killed, as
            // a lost connection would. The batch and those queued behind it fail, and each is written again alone:
            // the three at once, the first once the row is free.
            await HoldAsync(blocker, transaction, ids[0]);
            first = commits.CompleteAsync(claims[0], null, Retention, CancellationToken.None);
            await FaultSystem.EventuallyAsync(() => WaitsForRowAsync("%WITH done AS%"), "the first batch waits for the held row");
            var waiting = claims.Skip(1).Select(c => commits.CompleteAsync(c, null, Retention, CancellationToken.None)).ToList();
            await FaultSystem.EventuallyAsync(TerminateWaitingBatchAsync, "the first batch's backend is terminated");

            var written = await Task.WhenAll(waiting).WaitAsync(Bound);
            Assert.All(written, Assert.True);
            Assert.False(first.IsCompleted);
            await transaction.RollbackAsync();
        }

        Assert.True(await first.WaitAsync(Bound));
        Assert.All(await Task.WhenAll(ids.Select(id => _jobs.GetAsync(id, null, CancellationToken.None))), job => Assert.Equal("succeeded", job!.Status));
        // Written once: a completion again for the same attempt finds the job done.
        Assert.False(await commits.CompleteAsync(claims[1], null, Retention, CancellationToken.None));
    }

    [Fact]
    public async Task A_slot_entry_is_written_in_the_background_unless_withdrawn_before_its_batch_leaves()
    {
        var ids = await NewJobsAsync(2);
        await using var commits = Commits(window: TimeSpan.FromMilliseconds(300));
        var ended = (await commits.ClaimAsync(ids[0], CancellationToken.None))!;
        var running = (await commits.ClaimAsync(ids[1], CancellationToken.None))!;
        using var endedFirst = new CancellationTokenSource();

        commits.Enter(ended, endedFirst.Token);
        await endedFirst.CancelAsync(); // the job ended within the window: its outcome will say more
        commits.Enter(running, CancellationToken.None);

        // Written in order: once the later entry is, the withdrawn one had its chance to leave, and did not.
        await FaultSystem.EventuallyAsync(async () => await EnteredAttemptAsync(ids[1]) == 1, "the running job's entry is written");
        Assert.Null(await EnteredAttemptAsync(ids[0]));
    }

    private async Task<int?> EnteredAttemptAsync(Guid id)
    {
        await using var command = _database.CreateCommand("SELECT entered_attempt FROM reports.jobs WHERE id = $1");
        command.Parameters.AddWithValue(id);
        return await command.ExecuteScalarAsync() is int attempt ? attempt : null;
    }

    [Fact]
    public async Task A_slot_entry_waits_for_its_delay_so_a_job_that_ends_sooner_writes_none()
    {
        var ids = await NewJobsAsync(2);
        await using var commits = Commits(entryDelay: TimeSpan.FromMilliseconds(500));
        var ended = (await commits.ClaimAsync(ids[0], CancellationToken.None))!;
        var running = (await commits.ClaimAsync(ids[1], CancellationToken.None))!;
        using var endedFirst = new CancellationTokenSource();
        commits.Enter(ended, endedFirst.Token);
        commits.Enter(running, CancellationToken.None);

        _clock.Advance(TimeSpan.FromMilliseconds(400));
        await endedFirst.CancelAsync(); // the short job ended within the delay
        await Task.Delay(TimeSpan.FromMilliseconds(300)); // many batch windows: an entry not held back would be written by now
        Assert.Null(await EnteredAttemptAsync(ids[1]));

        _clock.Advance(TimeSpan.FromMilliseconds(100));
        await FaultSystem.EventuallyAsync(async () => await EnteredAttemptAsync(ids[1]) == 1, "the running job's entry is written once its delay is over");
        Assert.Null(await EnteredAttemptAsync(ids[0]));
    }

    private JobCommits Commits(TimeSpan? window = null, TimeSpan? entryDelay = null) => new(_jobs,
        Options.Create(new WorkerOptions
        {
            Id = WorkerId, Lease = Lease, GroupCommitWindow = window ?? TimeSpan.FromMilliseconds(15), SlotEntryDelay = entryDelay ?? TimeSpan.Zero,
        }),
        _clock, NullLogger<JobCommits>.Instance);

    private async Task<List<Guid>> NewJobsAsync(int count)
    {
        var ids = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            ids.Add((await _jobs.CreateAsync(NoOpJobs.New(Queue), CancellationToken.None)).Job.Id);
        }

        return ids;
    }

    /// <summary>Updates the job's row in <paramref name="transaction"/>, which holds it until it ends.</summary>
    private static async Task HoldAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id)
    {
        await using var hold = new NpgsqlCommand("UPDATE reports.jobs SET updated_at = updated_at WHERE id = $1", connection, transaction);
        hold.Parameters.AddWithValue(id);
        Assert.Equal(1, await hold.ExecuteNonQueryAsync());
    }

    private async Task<bool> WaitsForRowAsync(string statement)
    {
        await using var command = _database.CreateCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1 AND pid <> pg_backend_pid()");
        command.Parameters.AddWithValue(statement);
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }

    private async Task<bool> TerminateWaitingBatchAsync()
    {
        await using var command = _database.CreateCommand("""
            SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
            WHERE wait_event_type = 'Lock' AND query LIKE '%WITH done AS%' AND pid <> pg_backend_pid()
            """);
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }
}
