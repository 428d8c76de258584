using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Reports.Core.Generation;
using Reports.Core.Generation.Partitions;
using Reports.Core.Jobs;
using Reports.Core.Storage;
using Reports.Tests.Integration;

namespace Reports.Tests.Api;

/// <summary>
/// <c>GET /api/admin/ops/jobs/{id}/partitions</c> against the real API and database: partitions laid out and claimed
/// through <see cref="PartitionStore"/>, read back as an operator sees them.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class OpsPartitionsApiTests(Infrastructure infrastructure) : IAsyncLifetime
{
    private const string Queue = "test-ops-partitions";
    private static readonly TimeSpan JobLease = TimeSpan.FromHours(2);
    private NpgsqlDataSource _database = null!;
    private ReportsSystem _system = null!;

    public async Task InitializeAsync()
    {
        _system = await infrastructure.SystemAsync();
        _database = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString);
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task Each_partition_shows_its_rows_its_worker_its_lease_and_whether_it_reads_stalled_lapsed_waits_or_is_done()
    {
        var job = await RunningJobAsync();
        Assert.True(await Store(TimeProvider.System).PlanAsync(job, Layout(5), CancellationToken.None));
        // Each claim on a clock of its own, so each state holds however long the test takes (the API's stall: 4 × 10 s).
        var now = DateTimeOffset.UtcNow;
        var reading = await ClaimAsync(job, "worker-reading", now.AddHours(1), TimeSpan.FromMinutes(10));
        Assert.True(await Store(new FakeTimeProvider(now.AddHours(1))).ReportRowsAsync(reading, 120, CancellationToken.None));
        var stalled = await ClaimAsync(job, "worker-stalled", now.AddMinutes(-5), TimeSpan.FromHours(1));
        var done = await ClaimAsync(job, "worker-done", now, TimeSpan.FromMinutes(10));
        Assert.True(await Store(TimeProvider.System).FinishAsync(done, Staged(rows: 75), CancellationToken.None));
        var lapsed = await ClaimAsync(job, "worker-lapsed", now.AddHours(-1), TimeSpan.FromSeconds(30));
        Assert.Equal([0, 1, 2, 3], new[] { reading, stalled, done, lapsed }.Select(c => c.Number));

        using var admin = _system.CreateAdminClient();
        var body = await admin.GetFromJsonAsync<JsonElement>(new Uri($"/api/admin/ops/jobs/{job.Id}/partitions", UriKind.Relative));

        Assert.Equal(job.Id, body.GetProperty("jobId").GetGuid());
        var partitions = body.GetProperty("partitions").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2, 3, 4], partitions.Select(p => p.GetProperty("number").GetInt32()));
        Assert.Equal(["reading", "stalled", "done", "lapsed", "waiting"], partitions.Select(p => p.GetProperty("state").GetString()));
        Assert.Equal(["worker-reading", "worker-stalled", "worker-done", "worker-lapsed", null], partitions.Select(p => p.GetProperty("worker").GetString()));
        Assert.Equal([120L, 0, 75, 0, 0], partitions.Select(p => p.GetProperty("rowsWritten").GetInt64()));
        Assert.Equal([false, false, true, false, false], partitions.Select(p => p.GetProperty("done").GetBoolean()));
        Assert.Equal(reading.LeaseExpiresAt, partitions[0].GetProperty("leaseExpiresAt").GetDateTimeOffset(), TimeSpan.FromMilliseconds(1));
        Assert.Equal(now.AddHours(-1), partitions[3].GetProperty("progressedAt").GetDateTimeOffset(), TimeSpan.FromMilliseconds(1));
        Assert.True(partitions[3].GetProperty("sinceProgressSeconds").GetDouble() >= 3600);
        Assert.Equal(JsonValueKind.Null, partitions[2].GetProperty("leaseExpiresAt").ValueKind); // done: no lease left
        Assert.Equal(JsonValueKind.Null, partitions[4].GetProperty("progressedAt").ValueKind); // never claimed
        Assert.Equal(("2024-01-01", "2025-01-01"), (partitions[1].GetProperty("from").GetString(), partitions[1].GetProperty("to").GetString()));
    }

    [Fact]
    public async Task A_job_read_whole_has_no_partitions()
    {
        var job = await RunningJobAsync();
        using var admin = _system.CreateAdminClient();

        var body = await admin.GetFromJsonAsync<JsonElement>(new Uri($"/api/admin/ops/jobs/{job.Id}/partitions", UriKind.Relative));

        Assert.Equal(0, body.GetProperty("partitions").GetArrayLength());
    }

    [Fact]
    public async Task An_unknown_job_is_a_404_problem()
    {
        using var admin = _system.CreateAdminClient();
        var id = Guid.NewGuid();

        using var response = await admin.GetAsync(new Uri($"/api/admin/ops/jobs/{id}/partitions", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
        Assert.Contains(id.ToString(), problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_an_admin_key_the_partitions_are_refused()
    {
        var job = await RunningJobAsync();
        Assert.True(await Store(TimeProvider.System).PlanAsync(job, Layout(2), CancellationToken.None));
        var path = new Uri($"/api/admin/ops/jobs/{job.Id}/partitions", UriKind.Relative);
        using var anonymous = _system.Api.CreateClient();
        using var user = await _system.CreateClientAsync();

        using var withoutKey = await anonymous.GetAsync(path);
        using var withUserKey = await user.GetAsync(path);

        Assert.Equal(HttpStatusCode.Unauthorized, withoutKey.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, withUserKey.StatusCode);
        Assert.DoesNotContain("2024-01-01", await withUserKey.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>A no-op job of its own owner, held by "owner" for long enough, on a queue no worker of the tests serves.</summary>
    private async Task<ClaimedJob> RunningJobAsync()
    {
        var jobs = new JobStore(_database, TimeProvider.System);
        var created = await jobs.CreateAsync(NoOpJobs.New(Queue), CancellationToken.None);
        return (await jobs.ClaimAsync(created.Job.Id, "owner", JobLease, CancellationToken.None))!;
    }

    private PartitionStore Store(TimeProvider clock) => new(_database, clock);

    private async Task<PartitionClaim> ClaimAsync(ClaimedJob job, string worker, DateTimeOffset at, TimeSpan lease) =>
        (await Store(new FakeTimeProvider(at)).ClaimAsync(job.Id, worker, lease, null, CancellationToken.None))
        ?? throw new InvalidOperationException($"No partition of job {job.Id} was free for {worker}.");

    /// <summary>Partitions cut at the first day of each year from 2024 on.</summary>
    private static List<PartitionCheckpoint> Layout(int partitions) =>
    [
        .. Enumerable.Range(0, partitions).Select(i => new PartitionCheckpoint(
            i == 0 ? null : $"{2023 + i}-01-01", i == partitions - 1 ? null : $"{2024 + i}-01-01", GenerationCheckpoint.Start)),
    ];

    private static GenerationCheckpoint Staged(long rows) => GenerationCheckpoint.Start.Next("cursor", rows, rows * 10, PartitionClaim.FirstBlockToken + 1);
}
