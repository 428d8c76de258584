using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Reports.Core.Jobs;
using Reports.Core.Storage;
using Reports.Core.Windows;
using Reports.Tests.Integration;

namespace Reports.Tests.Windows;

/// <summary>
/// A waiting job in the job store, on a database of its own (no relay, sweeper or worker touches its rows) and a fake
/// clock: it uses no attempt, cannot be claimed, is queued again by the sweep only once its window opens, and can be
/// cancelled.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class WaitingJobTests(Infrastructure infrastructure)
{
    private static readonly DateTimeOffset Now = new(2031, 2, 3, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Opens = Now.AddHours(10);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_waiting_job_uses_no_attempt_and_is_queued_again_only_when_its_window_opens()
    {
        await using var database = await DatabaseAsync();
        var clock = new FakeTimeProvider(Now);
        var store = new JobStore(database, clock);
        var job = (await store.CreateAsync(NoOpJobs.New("window-queue"), CancellationToken.None)).Job;
        var closed = new[] { new ClosedWindow("window-queue", Opens, "processing window opens at …") };
        var outboxRows = await OutboxRowsAsync(database, job.Id); // its row from the create: no relay runs here

        Assert.Null(await store.DeferAsync(job.Id, [new ClosedWindow("another-queue", Opens, "…")], CancellationToken.None));
        var waiting = await store.DeferAsync(job.Id, closed, CancellationToken.None);
        Assert.NotNull(waiting);
        Assert.Equal((JobStatus.Waiting, 0, Opens, "processing window opens at …"), (waiting.Status, waiting.Attempt, waiting.WaitingUntil, waiting.WaitReason));
        Assert.Null(await store.ClaimAsync(job.Id, "worker-a", Lease, CancellationToken.None)); // a duplicate message finds nothing to run

        clock.SetUtcNow(Opens.AddSeconds(-1));
        await store.RequeueStrandedAsync(TimeSpan.FromMinutes(2), 100, null, CancellationToken.None);
        Assert.Equal(JobStatus.Waiting, (await store.GetAsync(job.Id, null, CancellationToken.None))!.Status);

        clock.SetUtcNow(Opens);
        var swept = await store.RequeueStrandedAsync(TimeSpan.FromMinutes(2), 100, null, CancellationToken.None);
        Assert.Equal(1, swept.Requeued);
        Assert.Equal(outboxRows + 1, await OutboxRowsAsync(database, job.Id));
        var claim = await store.ClaimAsync(job.Id, "worker-a", Lease, CancellationToken.None);
        Assert.NotNull(claim);
        Assert.Equal(1, claim.Attempt);
        Assert.Null(claim.Job.WaitReason);
    }

    [Fact]
    public async Task A_retry_or_an_expired_lease_found_outside_the_window_waits_with_its_attempts_kept()
    {
        await using var database = await DatabaseAsync();
        var clock = new FakeTimeProvider(Now);
        var store = new JobStore(database, clock);
        var retried = (await store.CreateAsync(NoOpJobs.New("window-queue"), CancellationToken.None)).Job;
        var abandoned = (await store.CreateAsync(NoOpJobs.New("window-queue"), CancellationToken.None)).Job;
        var closed = new[] { new ClosedWindow("noop", Opens, "processing window opens at …") }; // by report type

        var first = await store.ClaimAsync(retried.Id, "worker-a", Lease, CancellationToken.None);
        Assert.True(await store.FailAsync(first!, new JobError(JobError.AttemptFailed, "It failed."), Now.AddMinutes(1), CancellationToken.None));
        var running = await store.ClaimAsync(abandoned.Id, "worker-b", Lease, CancellationToken.None);
        Assert.Equal([true], await store.EnterManyAsync([running!], CancellationToken.None)); // it runs; then worker-b dies

        clock.SetUtcNow(Now.AddMinutes(1));
        var waitingRetry = await store.DeferAsync(retried.Id, closed, CancellationToken.None);
        var waitingLost = await store.DeferAsync(abandoned.Id, closed, CancellationToken.None);

        Assert.Equal((JobStatus.Waiting, 1, 5), (waitingRetry!.Status, waitingRetry.Attempt, waitingRetry.MaxAttempts));
        Assert.Equal((JobStatus.Waiting, 1, 5), (waitingLost!.Status, waitingLost.Attempt, waitingLost.MaxAttempts));
        Assert.Equal("lease_lost", await LastOutcomeAsync(database, abandoned.Id));
    }

    [Fact]
    public async Task A_waiting_job_counts_in_its_owners_quota_and_is_cancelled_at_once()
    {
        await using var database = await DatabaseAsync();
        var clock = new FakeTimeProvider(Now);
        var store = new JobStore(database, clock);
        var request = NoOpJobs.New("window-queue");
        var job = (await store.CreateAsync(request, CancellationToken.None)).Job;
        await store.DeferAsync(job.Id, [new ClosedWindow("window-queue", Opens, "…")], CancellationToken.None);

        Assert.Null(await store.TryCreateAsync(request with { ActiveJobQuota = 1 }, CancellationToken.None));
        var cancelled = await store.RequestCancelAsync(job.Id, request.Owner, CancellationToken.None);
        Assert.Equal(JobStatus.Cancelled, cancelled!.Status);
        Assert.NotNull(await store.TryCreateAsync(request with { ActiveJobQuota = 1 }, CancellationToken.None));
    }

    [Fact]
    public async Task Waiting_jobs_whose_window_is_gone_or_open_now_are_queued_again_and_the_others_keep_waiting()
    {
        await using var database = await DatabaseAsync();
        var clock = new FakeTimeProvider(Now);
        var store = new JobStore(database, clock);
        var held = new List<Guid>();
        var freed = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            var stays = (await store.CreateAsync(NoOpJobs.New("queue-still-closed"), CancellationToken.None)).Job;
            await store.DeferAsync(stays.Id, [new ClosedWindow("queue-still-closed", Opens, "…")], CancellationToken.None);
            held.Add(stays.Id);
            var goes = (await store.CreateAsync(NoOpJobs.New("queue-window-removed"), CancellationToken.None)).Job;
            await store.DeferAsync(goes.Id, [new ClosedWindow("queue-window-removed", Opens.AddHours(i), "…")], CancellationToken.None);
            freed.Add(goes.Id);
        }

        var outboxBefore = await OutboxRowsAsync(database, freed[0]);
        // The configuration changed: only queue-still-closed has a closed window now. Pages of two, as the worker reads them.
        (DateTimeOffset, Guid)? after = null;
        var released = 0;
        WaitingPage page;
        do
        {
            page = await store.ReleaseWaitingAsync([new ClosedWindow("queue-still-closed", Opens, "…")], after, 2, CancellationToken.None);
            released += page.Released;
            after = page.Last;
        }
        while (page.Read == 2);

        Assert.Equal(3, released);
        foreach (var id in freed)
        {
            var job = (await store.GetAsync(id, null, CancellationToken.None))!;
            Assert.Equal((JobStatus.Queued, null, null), (job.Status, job.WaitReason, job.WaitingUntil));
        }

        Assert.Equal(outboxBefore + 1, await OutboxRowsAsync(database, freed[0]));
        foreach (var id in held)
        {
            Assert.Equal(JobStatus.Waiting, (await store.GetAsync(id, null, CancellationToken.None))!.Status);
        }

        Assert.Equal(0, (await store.ReleaseWaitingAsync([new ClosedWindow("queue-still-closed", Opens, "…")], null, 10, CancellationToken.None)).Released);
    }

    private async Task<NpgsqlDataSource> DatabaseAsync()
    {
        await infrastructure.SystemAsync();
        return NpgsqlDataSource.Create(await IsolatedDatabase.CreateAsync(infrastructure));
    }

    private static async Task<long> OutboxRowsAsync(NpgsqlDataSource database, Guid jobId)
    {
        await using var command = database.CreateCommand("SELECT count(*) FROM reports.outbox WHERE job_id = $1");
        command.Parameters.AddWithValue(jobId);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<string?> LastOutcomeAsync(NpgsqlDataSource database, Guid jobId)
    {
        await using var command = database.CreateCommand("SELECT outcome FROM reports.job_attempts WHERE job_id = $1 ORDER BY attempt DESC LIMIT 1");
        command.Parameters.AddWithValue(jobId);
        return await command.ExecuteScalarAsync() as string;
    }
}
