using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Reports.Core.Jobs;
using Reports.Core.Storage;
using Reports.Tests.Integration;

namespace Reports.Tests.Storage;

/// <summary>
/// The attempts recorded by the jobs table's trigger, against the real
/// database: every claim of a batch opens its attempt, every outcome of a batch closes its own, a takeover closes the
/// attempt it took over, and updates that neither claim nor end an attempt leave them as they are.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class JobAttemptsTests(Infrastructure infrastructure) : IAsyncLifetime
{
    private const string Queue = "test-job-attempts";
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Retention = TimeSpan.FromDays(1);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2035, 1, 1, 0, 0, 0, TimeSpan.Zero));
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

    private async Task<List<Guid>> NewJobsAsync(int count)
    {
        var ids = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            ids.Add((await _jobs.CreateAsync(NoOpJobs.New(Queue), CancellationToken.None)).Job.Id);
        }

        return ids;
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
