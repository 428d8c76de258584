using Npgsql;
using Reports.Core.Replays;
using Reports.Tests.Integration;

namespace Reports.Tests.Replays;

/// <summary>
/// Filters at the edges, on a database of its own: an empty filter selects every dead letter; over the largest selection
/// it is refused and leaves nothing behind, within it every one is taken, oldest failure first; members page in order.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class ReplaySelectionTests(Infrastructure infrastructure)
{
    private static readonly DateTimeOffset Outage = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_filter_of_everything_over_the_largest_selection_is_refused_and_stores_nothing_and_within_it_takes_all_in_order()
    {
        await infrastructure.SystemAsync();
        await using var database = NpgsqlDataSource.Create(await IsolatedDatabase.CreateAsync(infrastructure));
        var early = await DeadLetters.InsertAsync(database, "a", "outage", Outage, 3);
        var late = await DeadLetters.InsertAsync(database, "b", "other", Outage.AddHours(1), 2, "reports-bulk");
        var store = new ReplayStore(database, TimeProvider.System);
        var everything = new DeadLetterFilter();

        var refused = await store.CreateDeadLetterReplayAsync(everything, "admin", 4, CancellationToken.None);
        Assert.Null(refused.Replay);
        Assert.True(refused.IsTooLarge);
        Assert.Empty(await store.ListAsync(10, CancellationToken.None));
        Assert.Equal(0L, await CountAsync(database, "reports.replay_items"));

        var preview = await store.PreviewDeadLettersAsync(everything, 10, CancellationToken.None);
        Assert.Equal((5, false), (preview.Count, preview.CountCapped));

        var taken = await store.CreateDeadLetterReplayAsync(everything, "admin", 5, CancellationToken.None);
        Assert.NotNull(taken.Replay);
        Assert.Equal(5, taken.Replay.Selected);
        var page = await store.ItemsAsync(taken.Replay.Id, 0, 2, null, CancellationToken.None);
        var rest = await store.ItemsAsync(taken.Replay.Id, page[^1].Position, 10, null, CancellationToken.None);
        Assert.Equal([.. early, .. late], page.Concat(rest).Select(i => i.ItemId));
        Assert.Equal([1, 2, 3, 4, 5], page.Concat(rest).Select(i => i.Position));
        Assert.Equal(5, (await store.ItemsAsync(taken.Replay.Id, 0, 10, ReplayOutcome.Pending, CancellationToken.None)).Count);
        Assert.Empty(await store.ItemsAsync(taken.Replay.Id, 0, 10, ReplayOutcome.Replayed, CancellationToken.None));

        var nothing = await store.CreateDeadLetterReplayAsync(new DeadLetterFilter { ErrorCode = "never" }, "admin", 5, CancellationToken.None);
        Assert.True(nothing.IsEmpty);
        Assert.Single(await store.ListAsync(10, CancellationToken.None));
    }

    private static async Task<long> CountAsync(NpgsqlDataSource database, string table)
    {
        await using var command = database.CreateCommand($"SELECT count(*) FROM {table}");
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
