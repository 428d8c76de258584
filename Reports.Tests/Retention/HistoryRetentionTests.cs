using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Reports.Core.Generation;
using Reports.Core.Replays;
using Reports.Core.Retention;
using Reports.Tests.Integration;
using Reports.Tests.Replays;

namespace Reports.Tests.Retention;

/// <summary>
/// Retention of the operators' bookkeeping, on a database of its own and a fake clock: finished replays (with their
/// members) and schedule changes go once past their retention, the whole history of a deleted schedule once its delete
/// is old enough; a running replay and a live schedule's recent history stay.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class HistoryRetentionTests(Infrastructure infrastructure)
{
    private static readonly DateTimeOffset Now = new(2031, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Finished_replays_and_old_or_deleted_schedule_history_are_deleted_and_the_rest_stays()
    {
        var system = await infrastructure.SystemAsync();
        await using var database = NpgsqlDataSource.Create(await IsolatedDatabase.CreateAsync(infrastructure));
        await DeadLetters.InsertAsync(database, "kept", "outage", Now.AddDays(-60), 3);
        var replays = new ReplayStore(database, new FakeTimeProvider(Now.AddDays(-40)));
        var old = (await replays.CreateDeadLetterReplayAsync(new DeadLetterFilter { Owner = "kept" }, "admin", 10, CancellationToken.None)).Replay!;
        await replays.CancelAsync(old.Id, CancellationToken.None); // finished 40 days ago
        var recent = (await new ReplayStore(database, new FakeTimeProvider(Now.AddDays(-1)))
            .CreateDeadLetterReplayAsync(new DeadLetterFilter { Owner = "kept" }, "admin", 10, CancellationToken.None)).Replay!;
        await new ReplayStore(database, new FakeTimeProvider(Now.AddDays(-1))).CancelAsync(recent.Id, CancellationToken.None);
        var running = (await new ReplayStore(database, new FakeTimeProvider(Now.AddDays(-90)))
            .CreateDeadLetterReplayAsync(new DeadLetterFilter { Owner = "kept" }, "admin", 10, CancellationToken.None)).Replay!;

        Guid live = Guid.NewGuid(), deletedLongAgo = Guid.NewGuid(), deletedLately = Guid.NewGuid();
        await ChangeAsync(database, live, "created", Now.AddDays(-400));
        await ChangeAsync(database, live, "updated", Now.AddDays(-10));
        await ChangeAsync(database, deletedLongAgo, "created", Now.AddDays(-50));
        await ChangeAsync(database, deletedLongAgo, "deleted", Now.AddDays(-40));
        await ChangeAsync(database, deletedLately, "created", Now.AddDays(-50));
        await ChangeAsync(database, deletedLately, "deleted", Now.AddDays(-2));

        var cleaner = new RetentionCleaner(database, system.WorkerServices.GetRequiredService<IReportFiles>(),
            new BlobServiceClient(infrastructure.BlobConnectionString), Options.Create(new RetentionOptions()), new FakeTimeProvider(Now),
            NullLogger<RetentionCleaner>.Instance);
        var (prunedReplays, prunedChanges) = await cleaner.PruneHistoryAsync(CancellationToken.None);

        Assert.Equal((1, 3), (prunedReplays, prunedChanges));
        Assert.Equal([recent.Id, running.Id], (await IdsAsync(database, "SELECT id FROM reports.replays")).Order());
        Assert.Equal(0L, await CountAsync(database, $"SELECT count(*) FROM reports.replay_items WHERE replay_id = '{old.Id}'"));
        Assert.Equal(3L, await CountAsync(database, $"SELECT count(*) FROM reports.replay_items WHERE replay_id = '{recent.Id}'"));
        Assert.Equal([live, deletedLately, deletedLately], await IdsAsync(database, "SELECT schedule_id FROM reports.schedule_changes ORDER BY id"));
        Assert.Equal((0, 0), await cleaner.PruneHistoryAsync(CancellationToken.None));
    }

    private static async Task ChangeAsync(NpgsqlDataSource database, Guid schedule, string action, DateTimeOffset at)
    {
        await using var command = database.CreateCommand("""
            INSERT INTO reports.schedule_changes (schedule_id, owner, action, changes, actor, changed_at)
            VALUES ($1, 'history', $2, '{"parameters": {"old": null, "new": {"to": "someone@example.com"}}}', 'history', $3)
            """);
        command.Parameters.AddWithValue(schedule);
        command.Parameters.AddWithValue(action);
        command.Parameters.AddWithValue(at);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<List<Guid>> IdsAsync(NpgsqlDataSource database, string sql)
    {
        await using var command = database.CreateCommand(sql);
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetGuid(0));
        }

        return ids;
    }

    private static async Task<long> CountAsync(NpgsqlDataSource database, string sql)
    {
        await using var command = database.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
