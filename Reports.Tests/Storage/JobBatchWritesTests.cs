using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Reports.Core.Jobs;
using Reports.Core.Storage;
using Reports.Tests.Engine;
using Reports.Tests.Integration;

namespace Reports.Tests.Storage;

/// <summary>
/// Claims and completions of several jobs in one statement, against the real database: each job's write stays its own
/// compare-and-set, a job that cannot be written is left alone while the others go through, and a statement that dies
/// changes none of them. The jobs table's trigger records each job's attempt: opened by each claim of a batch, closed by
/// each outcome, a takeover closing the attempt it took over.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class JobBatchWritesTests(Infrastructure infrastructure) : IAsyncLifetime
{
    private const string Queue = "test-batch-writes";
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Retention = TimeSpan.FromDays(1);
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
    public async Task A_batch_of_claims_claims_each_claimable_job_once_and_leaves_a_job_running_elsewhere()
    {
        var queued = await NewJobsAsync(3);
        var runningElsewhere = (await NewJobsAsync(1))[0];
        Assert.NotNull(await _jobs.ClaimAsync(runningElsewhere, "other-worker", Lease, CancellationToken.None));

        var claims = await _jobs.ClaimManyAsync([queued[0], runningElsewhere, queued[1], queued[0], queued[2]], "batch-worker", Lease, CancellationToken.None);

        Assert.Equal([queued[0], null, queued[1], null, queued[2]], claims.Select(c => c.Claim?.Id));
        Assert.DoesNotContain(claims, c => c.Locked);
        Assert.All(claims.Select(c => c.Claim).OfType<ClaimedJob>(), c => Assert.Equal((1, "batch-worker"), (c.Attempt, c.WorkerId)));
        Assert.Equal("other-worker", await _jobs.LiveLeaseOwnerAsync(runningElsewhere, CancellationToken.None));
    }

    [Fact]
    public async Task A_batch_of_claims_does_not_wait_for_a_row_another_transaction_holds_and_reports_it_held_rather_than_unclaimable()
    {
        var ids = await NewJobsAsync(3);
        IReadOnlyList<BatchClaim> claims;
        await using (var blocker = await _database.OpenConnectionAsync())
        await using (var transaction = await blocker.BeginTransactionAsync())
        {
            await using (var hold = new NpgsqlCommand("SELECT 1 FROM reports.jobs WHERE id = $1 FOR UPDATE", blocker, transaction))
            {
                hold.Parameters.AddWithValue(ids[1]);
                await hold.ExecuteScalarAsync();
            }

            claims = await _jobs.ClaimManyAsync(ids, "batch-worker", Lease, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(1));
        }

        Assert.Equal([(ids[0], false), (null, true), (ids[2], false)], claims.Select(c => (c.Claim?.Id, c.Locked)));
        Assert.Equal("queued", (await _jobs.GetAsync(ids[1], null, CancellationToken.None))!.Status);
        Assert.Equal(1, (await _jobs.ClaimAsync(ids[1], "batch-worker", Lease, CancellationToken.None))?.Attempt);
    }

    [Fact]
    public async Task A_batch_of_completions_records_each_attempt_that_holds_its_job_and_leaves_the_one_taken_over()
    {
        var ids = await NewJobsAsync(3);
        var claims = (await _jobs.ClaimManyAsync(ids, "batch-worker", Lease, CancellationToken.None)).Select(c => c.Claim!).ToList();
        // The second job's lease ran out and another worker took it over: its attempt here is stale.
        _clock.Advance(Lease + TimeSpan.FromSeconds(1));
        Assert.True(await _jobs.RenewLeaseAsync(claims[0], Lease, CancellationToken.None));
        Assert.True(await _jobs.RenewLeaseAsync(claims[2], Lease, CancellationToken.None));
        var takenOver = await _jobs.ClaimAsync(ids[1], "rescuer", Lease, CancellationToken.None);
        Assert.Equal(2, takenOver!.Attempt);

        var file = new ReportFile("blob.csv", "report.csv", "text/csv", 10, new string('a', 64), 3);
        var recorded = await _jobs.CompleteManyAsync(
            [new(claims[0], file, TimeSpan.FromDays(1)), new(claims[1], file, TimeSpan.FromDays(1)), new(claims[2], null, TimeSpan.FromDays(1))],
            CancellationToken.None);

        Assert.Equal([true, false, true], recorded);
        var first = (await _jobs.GetAsync(ids[0], null, CancellationToken.None))!;
        Assert.Equal(("succeeded", "blob.csv", 3L, (long?)10), (first.Status, first.BlobName, first.RowsWritten, first.SizeBytes));
        Assert.Equal(_clock.GetUtcNow() + TimeSpan.FromDays(1), first.ExpiresAt);
        var third = (await _jobs.GetAsync(ids[2], null, CancellationToken.None))!;
        Assert.Equal(("succeeded", (string?)null, 0L, (DateTimeOffset?)null), (third.Status, third.BlobName, third.RowsWritten, third.ExpiresAt));
        var second = (await _jobs.GetAsync(ids[1], null, CancellationToken.None))!;
        Assert.Equal(("running", 2, (string?)null), (second.Status, second.Attempt, second.BlobName));
        // Each recorded outcome queued its own notification, and only those.
        Assert.Equal([ids[0], ids[2]], (await NotifiedAsync(ids)).Order());
    }

    [Fact]
    public async Task A_batch_of_completions_whose_statement_dies_changes_none_of_its_jobs_and_goes_through_when_written_again()
    {
        var ids = await NewJobsAsync(3);
        var claims = (await _jobs.ClaimManyAsync(ids, "batch-worker", Lease, CancellationToken.None)).Select(c => c.Claim!).ToList();
        var completions = claims.Select(c => new JobCompletion(c, null, TimeSpan.FromDays(1))).ToList();

        // Another session holds the last job's row, so the batch waits with the first two already updated; then its
        // backend is killed, as PostgreSQL dying in the middle of the statement would.
        Task<IReadOnlyList<bool>> batch;
        await using (var blocker = await _database.OpenConnectionAsync())
        await using (var transaction = await blocker.BeginTransactionAsync())
        {
            await using (var hold = new NpgsqlCommand("SELECT 1 FROM reports.jobs WHERE id = $1 FOR UPDATE", blocker, transaction))
            {
                hold.Parameters.AddWithValue(ids[2]);
                await hold.ExecuteScalarAsync();
            }

            batch = _jobs.CompleteManyAsync(completions, CancellationToken.None);
            await FaultSystem.EventuallyAsync(async () => await TerminateWaitingBatchAsync(), "the batch waits for the held row");
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => batch);
        }

        Assert.All(await Task.WhenAll(ids.Select(id => _jobs.GetAsync(id, null, CancellationToken.None))), job => Assert.Equal("running", job!.Status));
        Assert.Empty(await NotifiedAsync(ids));

        Assert.Equal([true, true, true], await _jobs.CompleteManyAsync(completions, CancellationToken.None));
        Assert.Equal(ids.Order(), (await NotifiedAsync(ids)).Order());
    }

    [Fact]
    public async Task A_batch_of_accepts_counts_its_own_earlier_jobs_against_the_quota_and_treats_a_repeated_key_as_a_replay()
    {
        var owner = NoOpJobs.New(Queue).Owner;
        NewReportJob Job(string? key = null) => NoOpJobs.New(Queue) with { Owner = owner, ActiveJobQuota = 2, IdempotencyKey = key };

        var outcomes = await _jobs.TryCreateManyAsync([Job("a"), Job("a"), Job(), Job()], CancellationToken.None);

        // The first is created; the second repeats its key (the first job, not created again, even at the quota); the
        // third is the owner's second active job; the fourth would be a third.
        Assert.True(outcomes[0]!.Created);
        Assert.Equal((false, outcomes[0]!.Job.Id), (outcomes[1]!.Created, outcomes[1]!.Job.Id));
        Assert.True(outcomes[2]!.Created);
        Assert.Null(outcomes[3]);
        Assert.Equal(2, (await _jobs.ListAsync(new JobQuery { Owner = owner }, CancellationToken.None)).Count);
    }

    [Fact]
    public async Task A_batch_of_accepts_of_several_owners_in_one_statement_keeps_each_jobs_own_fields_and_each_owners_own_quota()
    {
        var (first, second) = (NoOpJobs.New(Queue).Owner, NoOpJobs.New(Queue).Owner);
        var mailed = NoOpJobs.New(Queue) with
        {
            Owner = second, ActiveJobQuota = 1, IdempotencyKey = "k", EmailRecipients = ["a@example.com", "b@example.com"],
            WebhookUrl = new Uri("https://hooks.example.com/x"), TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            DefinitionVersion = "v7",
        };

        var outcomes = await _jobs.TryCreateManyAsync([
            NoOpJobs.New(Queue) with { Owner = first, ActiveJobQuota = 1 },
            mailed,
            NoOpJobs.New(Queue) with { Owner = first, ActiveJobQuota = 1 }, // over the first owner's quota
            NoOpJobs.New(Queue) with { Owner = second, ActiveJobQuota = 1, IdempotencyKey = "k" }, // the mailed job's replay
            NoOpJobs.New(Queue) with { Owner = first }, // no quota: accepted
        ], CancellationToken.None);

        Assert.Equal([true, true, false, false, true], outcomes.Select(o => o?.Created ?? false));
        Assert.Null(outcomes[2]);
        Assert.Equal(outcomes[1]!.Job.Id, outcomes[3]!.Job.Id);
        var stored = (await _jobs.GetAsync(outcomes[1]!.Job.Id, second, CancellationToken.None))!;
        Assert.Equal(("https://hooks.example.com/x", mailed.TraceParent, "v7"), (stored.WebhookUrl, stored.TraceParent, stored.DefinitionVersion));
        var (recipients, key) = await RecipientsAndKeyAsync(stored.Id);
        Assert.Equal(["a@example.com", "b@example.com"], recipients);
        Assert.Equal("k", key);
        var (none, noKey) = await RecipientsAndKeyAsync(outcomes[0]!.Job.Id);
        Assert.Empty(none);
        Assert.Null(noKey);
        Assert.All(outcomes.Where(o => o is { Created: true }), o => Assert.NotNull(o!.Job.OutboxRowId));
    }

    [Fact]
    public async Task A_batch_of_claims_opens_an_attempt_for_each_and_a_batch_of_completions_closes_each_with_its_rows()
    {
        var ids = await NewJobsAsync(3);
        var claims = (await _jobs.ClaimManyAsync(ids, "batch-worker", Lease, CancellationToken.None)).Select(c => c.Claim!).ToList();

        Assert.All(await AttemptsAsync(ids), a => Assert.Equal((1, "batch-worker", null, null), (a.Attempt, a.Worker, a.Outcome, a.EndedAt)));

        Assert.True(await _jobs.ReportRowsAsync(claims[0], 10, 20, CancellationToken.None)); // progress: no attempt changes
        var file = new ReportFile("blob", "f.csv", "text/csv", 100, new string('0', 64), 42);
        var done = await _jobs.CompleteManyAsync([new(claims[0], file, Retention), new(claims[1], null, Retention)], CancellationToken.None);

        Assert.Equal([true, true], done);
        var attempts = await AttemptsAsync(ids);
        Assert.Equal(("succeeded", 42L), (attempts[0].Outcome, attempts[0].Rows));
        Assert.Equal("succeeded", attempts[1].Outcome);
        Assert.NotNull(attempts[1].EndedAt);
        Assert.Equal((null, null), (attempts[2].Outcome, attempts[2].EndedAt)); // still running
    }

    [Fact]
    public async Task A_takeover_closes_the_attempt_it_took_over_and_releases_and_failures_close_theirs()
    {
        var ids = await NewJobsAsync(3);
        var first = (await _jobs.ClaimAsync(ids[0], "died", Lease, CancellationToken.None))!;
        var released = (await _jobs.ClaimAsync(ids[1], "stopping", Lease, CancellationToken.None))!;
        var failing = (await _jobs.ClaimAsync(ids[2], "failing", Lease, CancellationToken.None))!;
        Assert.Equal([true], await _jobs.EnterManyAsync([first], CancellationToken.None)); // it ran, then its worker died
        _clock.Advance(Lease + TimeSpan.FromSeconds(1));

        var takeover = (await _jobs.ClaimManyAsync([ids[0]], "taker", Lease, CancellationToken.None))[0].Claim;
        Assert.True(await _jobs.ReleaseAsync(released, CancellationToken.None));
        Assert.True(await _jobs.FailAsync(failing, new JobError(JobError.AttemptFailed, "boom"), _clock.GetUtcNow().AddMinutes(1), CancellationToken.None));

        Assert.Equal((2, "taker"), (takeover?.Attempt, takeover?.WorkerId));
        var attempts = await AttemptsAsync(ids);
        Assert.Equal([(first.Attempt, "died", "lease_lost"), (2, "taker", null)],
            attempts.Where(a => a.JobId == ids[0]).Select(a => (a.Attempt, a.Worker, a.Outcome)));
        Assert.Equal("released", attempts.Single(a => a.JobId == ids[1]).Outcome);
        var failed = attempts.Single(a => a.JobId == ids[2]);
        Assert.Equal(("retrying", JobError.AttemptFailed, "boom"), (failed.Outcome, failed.ErrorCode, failed.Error));
    }

    [Fact]
    public async Task A_takeover_of_an_attempt_that_never_entered_a_slot_is_a_hand_over_and_one_that_did_is_an_attempt_used()
    {
        var ids = await NewJobsAsync(2);
        var ahead = await _jobs.ClaimManyAsync(ids, "died", Lease, CancellationToken.None);
        var ran = ahead[0].Claim!;
        var neverRan = ahead[1].Claim!;
        Assert.Equal([true], await _jobs.EnterManyAsync([ran], CancellationToken.None));
        Assert.Equal([false], await _jobs.EnterManyAsync([ran], CancellationToken.None)); // already recorded
        _clock.Advance(Lease + TimeSpan.FromSeconds(1));

        var taken = await _jobs.ClaimManyAsync(ids, "taker", Lease, CancellationToken.None);

        Assert.Equal((2, 0, 2), (taken[0].Claim!.Attempt, taken[0].Claim!.Job.Released, taken[0].Claim!.AttemptsUsed));
        Assert.Equal((2, 1, 1), (taken[1].Claim!.Attempt, taken[1].Claim!.Job.Released, taken[1].Claim!.AttemptsUsed));
        var attempts = await AttemptsAsync(ids);
        Assert.Equal([(1, "lease_lost"), (2, null)], attempts.Where(a => a.JobId == ids[0]).Select(a => (a.Attempt, a.Outcome)));
        Assert.Equal([(1, "released"), (2, null)], attempts.Where(a => a.JobId == ids[1]).Select(a => (a.Attempt, a.Outcome)));
        // The stale attempt's entry, late, changes nothing; the new attempt's is its own.
        Assert.Equal([false, true], await _jobs.EnterManyAsync([neverRan, taken[1].Claim!], CancellationToken.None));
    }

    [Fact]
    public async Task A_lease_renewal_of_an_attempt_in_its_slot_records_its_entry_and_an_entry_skips_a_row_another_transaction_holds()
    {
        var ids = await NewJobsAsync(2);
        var claims = (await _jobs.ClaimManyAsync(ids, "renewing", Lease, CancellationToken.None)).Select(c => c.Claim!).ToList();
        Assert.True(await _jobs.RenewLeaseAsync(claims[0], Lease, CancellationToken.None, entered: true)); // its entry was lost

        IReadOnlyList<bool> entries;
        await using (var blocker = await _database.OpenConnectionAsync())
        await using (var transaction = await blocker.BeginTransactionAsync())
        {
            await using (var hold = new NpgsqlCommand("SELECT 1 FROM reports.jobs WHERE id = $1 FOR UPDATE", blocker, transaction))
            {
                hold.Parameters.AddWithValue(ids[1]); // as a batch of completions writing its outcome would
                await hold.ExecuteNonQueryAsync();
            }

            entries = await _jobs.EnterManyAsync([claims[1]], CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(1));
        }

        Assert.Equal([false], entries); // skipped, not waited for
        _clock.Advance(Lease + TimeSpan.FromSeconds(1));
        var taken = await _jobs.ClaimManyAsync(ids, "taker", Lease, CancellationToken.None);
        Assert.Equal([0, 1], taken.Select(t => t.Claim!.Job.Released)); // the renewed one ran; the skipped one is unstarted
    }

    [Fact]
    public async Task Takeovers_of_attempts_that_never_entered_a_slot_are_hand_overs_at_most_max_attempts_times_so_a_job_that_kills_its_worker_at_once_still_runs_out()
    {
        var id = (await NewJobsAsync(1))[0];
        ClaimedJob? claim = null;
        for (var takeover = 0; takeover <= 7; takeover++)
        {
            claim = await _jobs.ClaimAsync(id, "dies-before-its-entry-is-written", Lease, CancellationToken.None);
            _clock.Advance(Lease + TimeSpan.FromSeconds(1));
        }

        // Eight claims, seven taken over unstarted: five (max_attempts) were hand-overs, two used an attempt, and the last
        // claim is the third.
        Assert.Equal((8, 5, 5, 3), (claim!.Attempt, claim.Job.MaxAttempts, claim.Job.Released, claim.AttemptsUsed));
    }

    private async Task<(string[] Recipients, string? Key)> RecipientsAndKeyAsync(Guid id)
    {
        await using var command = _database.CreateCommand("SELECT email_recipients, idempotency_key FROM reports.jobs WHERE id = $1");
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetFieldValue<string[]>(0), reader.IsDBNull(1) ? null : reader.GetString(1));
    }

    private async Task<List<Guid>> NewJobsAsync(int count)
    {
        var ids = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            var job = NoOpJobs.New(Queue);
            ids.Add((await _jobs.CreateAsync(job, CancellationToken.None)).Job.Id);
        }

        return ids;
    }

    private async Task<bool> TerminateWaitingBatchAsync()
    {
        await using var command = _database.CreateCommand("""
            SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
            WHERE wait_event_type = 'Lock' AND query LIKE '%WITH done AS%' AND pid <> pg_backend_pid()
            """);
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }

    private async Task<List<Guid>> NotifiedAsync(List<Guid> ids)
    {
        await using var command = _database.CreateCommand(
            "SELECT DISTINCT job_id FROM reports.notifications WHERE job_id = ANY($1) AND channel = 'in-app'");
        command.Parameters.AddWithValue(ids.ToArray());
        var notified = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            notified.Add(reader.GetGuid(0));
        }

        return notified;
    }

    private sealed record AttemptRow(Guid JobId, int Attempt, string? Worker, string? Outcome, DateTime? EndedAt, long? Rows, string? ErrorCode, string? Error);

    /// <summary>The attempts of the jobs, in the order of the ids, then by attempt.</summary>
    private async Task<List<AttemptRow>> AttemptsAsync(List<Guid> ids)
    {
        await using var command = _database.CreateCommand("""
            SELECT job_id, attempt, worker, outcome, ended_at, rows_written, error_code, error
            FROM reports.job_attempts WHERE job_id = ANY($1) ORDER BY array_position($1, job_id), attempt
            """);
        command.Parameters.AddWithValue(ids.ToArray());
        var attempts = new List<AttemptRow>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            attempts.Add(new AttemptRow(reader.GetGuid(0), reader.GetInt32(1), Text(reader, 2), Text(reader, 3),
                reader.IsDBNull(4) ? null : reader.GetDateTime(4), reader.IsDBNull(5) ? null : reader.GetInt64(5), Text(reader, 6),
                Text(reader, 7)));
        }

        return attempts;
    }

    private static string? Text(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
