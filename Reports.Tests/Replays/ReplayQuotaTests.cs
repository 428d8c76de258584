using Npgsql;
using Reports.Core.Replays;
using Reports.Core.Storage;
using Reports.Tests.Integration;

namespace Reports.Tests.Replays;

/// <summary>
/// Jobs made by a bulk replay do not count in their owner's quota of unfinished jobs (on a database of its own, where
/// nothing runs them): after a replay of more dead letters than the quota, the owner still creates new reports.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class ReplayQuotaTests(Infrastructure infrastructure)
{
    [Fact]
    public async Task A_replay_bigger_than_the_owners_quota_leaves_the_owner_free_to_create_up_to_its_quota()
    {
        await infrastructure.SystemAsync();
        await using var database = NpgsqlDataSource.Create(await IsolatedDatabase.CreateAsync(infrastructure));
        var owner = "quota-" + Guid.NewGuid().ToString("N")[..8];
        var selected = await DeadLetters.InsertAsync(database, owner, "outage", new DateTimeOffset(2026, 5, 1, 0, 0, 0, TimeSpan.Zero), 20);
        var created = await new ReplayStore(database, TimeProvider.System).CreateDeadLetterReplayAsync(
            new DeadLetterFilter { Owner = owner }, "admin", 100, CancellationToken.None);
        Assert.NotNull(created.Replay);
        var steps = new ReplaySteps(database, TimeProvider.System);
        var claim = (await steps.ClaimAsync("runner", TimeSpan.FromMinutes(5), CancellationToken.None))!;
        var step = await steps.StepAsync(claim, 50, new Dictionary<string, ReplayBudget> { ["noop"] = new(1, null) }, TimeSpan.FromMinutes(5), CancellationToken.None);
        Assert.Equal((20, true), (step.Replayed, step.Completed));
        Assert.All(await DeadLetters.CopiesAsync(database, selected), c => Assert.Equal("queued", c.Status));

        var jobs = new JobStore(database, TimeProvider.System);
        var first = await jobs.TryCreateAsync(NoOpJobs.New("quota-queue") with { Owner = owner, ActiveJobQuota = 2 }, CancellationToken.None);
        var second = await jobs.TryCreateAsync(NoOpJobs.New("quota-queue") with { Owner = owner, ActiveJobQuota = 2 }, CancellationToken.None);
        var third = await jobs.TryCreateAsync(NoOpJobs.New("quota-queue") with { Owner = owner, ActiveJobQuota = 2 }, CancellationToken.None);

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Null(third); // the owner's own two count; the 20 replayed do not
    }

    [Fact]
    public async Task A_preview_counts_up_to_its_cap_and_says_there_are_more()
    {
        await infrastructure.SystemAsync();
        await using var database = NpgsqlDataSource.Create(await IsolatedDatabase.CreateAsync(infrastructure));
        var start = new DateTimeOffset(2026, 5, 2, 0, 0, 0, TimeSpan.Zero);
        await DeadLetters.InsertAsync(database, "wide", "outage", start, ReplayStore.PreviewCountCap + 5);
        var store = new ReplayStore(database, TimeProvider.System);

        var wide = await store.PreviewDeadLettersAsync(new DeadLetterFilter { Owner = "wide" }, 10, CancellationToken.None);
        var exact = await store.PreviewDeadLettersAsync(new DeadLetterFilter { Owner = "wide", To = start.AddMilliseconds(ReplayStore.PreviewCountCap) },
            10, CancellationToken.None);

        Assert.Equal((ReplayStore.PreviewCountCap, true, 10), (wide.Count, wide.CountCapped, wide.Sample.Count));
        Assert.Equal((ReplayStore.PreviewCountCap, false), (exact.Count, exact.CountCapped));
    }
}
