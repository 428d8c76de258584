using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Reports.Core.Generation;
using Reports.Core.Generation.Partitions;
using Reports.Core.Jobs;
using Reports.Core.Storage;
using Reports.Tests.Integration;

namespace Reports.Tests.Storage;

/// <summary>Partition claims against the real database, on a fake clock: one claim per partition, fenced by its token.</summary>
[Collection(IntegrationGroup.Name)]
public sealed class PartitionStoreTests(Infrastructure infrastructure) : IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2033, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private NpgsqlDataSource _database = null!;
    private JobStore _jobs = null!;
    private PartitionStore _partitions = null!;

    public async Task InitializeAsync()
    {
        await infrastructure.SystemAsync(); // migrated
        _database = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString);
        _jobs = new JobStore(_database, _clock);
        _partitions = new PartitionStore(_database, _clock);
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task Each_claim_takes_a_partition_of_its_own_under_a_new_token_until_none_is_free()
    {
        var job = await PlannedJobAsync(partitions: 2);

        var first = await _partitions.ClaimAsync(job.Id, "worker-a", Lease, null, CancellationToken.None);
        var second = await _partitions.ClaimAsync(job.Id, "worker-b", Lease, null, CancellationToken.None);
        var none = await _partitions.ClaimAsync(job.Id, "worker-c", Lease, null, CancellationToken.None);

        Assert.Equal((0, 1), (first!.Number, second!.Number));
        Assert.Equal((1, 2), (first.Token, second.Token));
        Assert.Equal(("2024-01-01", (string?)null), (second.Partition.From, second.Partition.To));
        Assert.Null(none);
    }

    [Fact]
    public async Task A_lapsed_claim_is_taken_over_under_a_new_token_and_its_late_writes_are_refused()
    {
        var job = await PlannedJobAsync(partitions: 1);
        var stale = (await _partitions.ClaimAsync(job.Id, "worker-a", Lease, null, CancellationToken.None))!;
        Assert.True(await _partitions.CheckpointAsync(stale, Staged(rows: 10), CancellationToken.None));
        Assert.Null(await _partitions.ClaimAsync(job.Id, "worker-b", Lease, null, CancellationToken.None)); // its lease is live

        _clock.Advance(Lease + TimeSpan.FromSeconds(1));
        var next = (await _partitions.ClaimAsync(job.Id, "worker-b", Lease, null, CancellationToken.None))!;

        Assert.Equal(2, next.Token);
        Assert.Equal(10, next.Partition.Progress.Rows); // resumed from the stale claim's checkpoint
        Assert.False(await _partitions.CheckpointAsync(stale, Staged(rows: 20), CancellationToken.None));
        Assert.False(await _partitions.FinishAsync(stale, Staged(rows: 20), CancellationToken.None));
        Assert.False(await _partitions.RenewAsync(stale, Lease, CancellationToken.None));
        Assert.True(await _partitions.FinishAsync(next, Staged(rows: 30), CancellationToken.None));
        var done = Assert.Single(await _partitions.ReadAsync(job.Id, CancellationToken.None));
        Assert.Equal((true, "worker-b", 30L), (done.Done, done.FinishedBy, done.Partition.Progress.Rows));
        Assert.Null(await _partitions.ClaimAsync(job.Id, "worker-c", Lease, null, CancellationToken.None)); // done: nothing to claim
    }

    [Fact]
    public async Task A_partition_given_back_is_claimed_again_at_once()
    {
        var job = await PlannedJobAsync(partitions: 1);
        var given = (await _partitions.ClaimAsync(job.Id, "worker-a", Lease, null, CancellationToken.None))!;

        Assert.True(await _partitions.ReleaseAsync(given, CancellationToken.None));

        Assert.Equal(2, (await _partitions.ClaimAsync(job.Id, "worker-b", Lease, null, CancellationToken.None))!.Token);
    }

    [Fact]
    public async Task Once_the_job_is_cancelled_no_partition_is_claimed_and_every_claims_writes_are_refused()
    {
        var job = await PlannedJobAsync(partitions: 2);
        var claimed = (await _partitions.ClaimAsync(job.Id, "worker-a", Lease, null, CancellationToken.None))!;

        Assert.NotNull(await _jobs.RequestCancelAsync(job.Id, owner: null, CancellationToken.None));

        Assert.Null(await _partitions.ClaimAsync(job.Id, "worker-b", Lease, null, CancellationToken.None));
        Assert.False(await _partitions.CheckpointAsync(claimed, Staged(rows: 5), CancellationToken.None));
        Assert.False(await _partitions.RenewAsync(claimed, Lease, CancellationToken.None));
    }

    [Fact]
    public async Task Only_the_attempt_that_holds_the_job_lays_partitions_out_and_a_new_layout_refuses_the_claims_on_the_old()
    {
        var job = await PlannedJobAsync(partitions: 2);
        var old = (await _partitions.ClaimAsync(job.Id, "worker-a", Lease, null, CancellationToken.None))!;
        _clock.Advance(Lease + TimeSpan.FromSeconds(1));
        var next = (await _jobs.ClaimAsync(job.Id, "worker-b", Lease, CancellationToken.None))!;

        Assert.False(await _partitions.PlanAsync(job, Layout(3), CancellationToken.None)); // the stale attempt
        Assert.True(await _partitions.PlanAsync(next, Layout(3), CancellationToken.None));

        Assert.False(await _partitions.CheckpointAsync(old, Staged(rows: 5), CancellationToken.None));
        var laidOut = await _partitions.ReadAsync(job.Id, CancellationToken.None);
        Assert.Equal([0, 1, 2], laidOut.Select(p => p.Number));
        Assert.All(laidOut, p => Assert.Equal(0, p.Partition.Progress.Blocks));
        // Claims keep being numbered across layouts: no claim of the new one stages blocks under an old claim's id.
        Assert.Equal(2, (await _partitions.ClaimAsync(job.Id, "worker-b", Lease, null, CancellationToken.None))!.Token);
    }

    [Fact]
    public async Task The_jobs_rows_are_the_sum_of_its_partitions_and_never_move_back()
    {
        var job = await PlannedJobAsync(partitions: 2);
        var a = (await _partitions.ClaimAsync(job.Id, "worker-a", Lease, null, CancellationToken.None))!;
        var b = (await _partitions.ClaimAsync(job.Id, "worker-b", Lease, null, CancellationToken.None))!;

        Assert.True(await _partitions.ReportRowsAsync(a, 100, CancellationToken.None));
        Assert.True(await _partitions.ReportRowsAsync(b, 40, CancellationToken.None));
        Assert.Equal(140, await RowsShownAsync(job.Id));

        // A checkpoint behind the rows already reported (its block was cut before the last page ended) moves nothing back.
        Assert.True(await _partitions.CheckpointAsync(a, Staged(rows: 60), CancellationToken.None));
        Assert.Equal(140, await RowsShownAsync(job.Id));
        Assert.True(await _partitions.ReportRowsAsync(b, 90, CancellationToken.None));
        Assert.Equal(190, await RowsShownAsync(job.Id));
    }

    [Fact]
    public async Task A_partition_given_back_can_be_written_no_more_by_the_claim_that_gave_it_back_even_once_the_job_is_queued_again()
    {
        var job = await PlannedJobAsync(partitions: 1);
        var given = (await _partitions.ClaimAsync(job.Id, "worker-a", Lease, null, CancellationToken.None))!;
        Assert.True(await _jobs.ReleaseAsync(job, CancellationToken.None)); // the job's worker stops: the job is queued again

        Assert.True(await _partitions.ReleaseAsync(given, CancellationToken.None));

        Assert.False(await _partitions.RenewAsync(given, Lease, CancellationToken.None));
        Assert.False(await _partitions.FinishAsync(given, Staged(rows: 1), CancellationToken.None));
    }

    [Fact]
    public async Task A_claim_that_has_not_moved_for_a_lease_is_taken_over_by_the_jobs_worker_and_refused_after()
    {
        var job = await PlannedJobAsync(partitions: 1);
        var stalled = (await _partitions.ClaimAsync(job.Id, "worker-a", Lease, null, CancellationToken.None))!;
        _clock.Advance(Lease / 2);
        Assert.True(await _partitions.RenewAsync(stalled, Lease, CancellationToken.None)); // renewed, but no row read
        _clock.Advance(Lease / 2 + TimeSpan.FromSeconds(1));

        Assert.Null(await _partitions.ClaimAsync(job.Id, "helper", Lease, null, CancellationToken.None)); // its lease is live
        var taken = await _partitions.ClaimAsync(job.Id, "owner", Lease, Lease, CancellationToken.None);

        Assert.Equal(2, taken!.Token);
        Assert.False(await _partitions.ReportRowsAsync(stalled, 10, CancellationToken.None));
    }

    [Fact]
    public async Task The_partitions_of_a_job_that_ended_are_kept_for_a_day_then_forgotten()
    {
        var job = await PlannedJobAsync(partitions: 2);
        Assert.True(await _jobs.CompleteAsync(job, null, TimeSpan.FromDays(1), CancellationToken.None));

        await _partitions.ForgetEndedAsync(1000, CancellationToken.None);
        Assert.Equal(2, (await _partitions.ReadAsync(job.Id, CancellationToken.None)).Count);

        _clock.Advance(PartitionStore.KeptAfterEnd + TimeSpan.FromSeconds(1));
        await _partitions.ForgetEndedAsync(1000, CancellationToken.None);
        Assert.Empty(await _partitions.ReadAsync(job.Id, CancellationToken.None));
    }

    private async Task<ClaimedJob> PlannedJobAsync(int partitions)
    {
        var created = await _jobs.CreateAsync(NoOpJobs.New("test-partition-store"), CancellationToken.None);
        var claim = (await _jobs.ClaimAsync(created.Job.Id, "owner", Lease, CancellationToken.None))!;
        Assert.True(await _partitions.PlanAsync(claim, Layout(partitions), CancellationToken.None));
        return claim;
    }

    /// <summary>Partitions cut at the first day of each year from 2024 on.</summary>
    private static List<PartitionCheckpoint> Layout(int partitions) =>
    [
        .. Enumerable.Range(0, partitions).Select(i => new PartitionCheckpoint(
            i == 0 ? null : $"{2023 + i}-01-01", i == partitions - 1 ? null : $"{2024 + i}-01-01", GenerationCheckpoint.Start)),
    ];

    private static GenerationCheckpoint Staged(long rows) => GenerationCheckpoint.Start.Next("cursor", rows, rows * 10, PartitionClaim.FirstBlockToken + 1);

    private async Task<long> RowsShownAsync(Guid id) => (await _jobs.GetAsync(id, null, CancellationToken.None))!.RowsWritten;
}
