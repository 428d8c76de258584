using Npgsql;
using Reports.Core.Replays;
using Reports.Core.Storage;
using Reports.Tests.Integration;

namespace Reports.Tests.Replays;

/// <summary>
/// A bulk replay and the one-job retry on the same dead letters at the same moment, on a database of its own (no worker
/// runs what they queue): each dead letter runs again exactly once, either as a copy made by the replay or in place by
/// the retry, never both.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class ReplayRaceTests(Infrastructure infrastructure)
{
    private static readonly DateTimeOffset Outage = new(2026, 4, 1, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_bulk_replay_and_one_job_retries_racing_on_the_same_dead_letters_run_each_exactly_once()
    {
        await infrastructure.SystemAsync();
        await using var database = NpgsqlDataSource.Create(await IsolatedDatabase.CreateAsync(infrastructure));
        var selected = await DeadLetters.InsertAsync(database, "racer", "outage", Outage, 300);
        var replays = new ReplayStore(database, TimeProvider.System);
        var steps = new ReplaySteps(database, TimeProvider.System);
        var jobs = new JobStore(database, TimeProvider.System);
        var created = await replays.CreateDeadLetterReplayAsync(new DeadLetterFilter { Owner = "racer" }, "admin", 1_000, CancellationToken.None);
        Assert.NotNull(created.Replay);
        var claim = await steps.ClaimAsync("runner", TimeSpan.FromMinutes(5), CancellationToken.None);
        Assert.NotNull(claim);
        var budgets = new Dictionary<string, ReplayBudget> { ["noop"] = new(3, null) };

        // The replay steps forward ten at a time while two retriers walk the same dead letters, one from each end.
        var bulk = Task.Run(async () =>
        {
            var total = 0;
            while (await steps.StepAsync(claim, 10, budgets, TimeSpan.FromMinutes(5), CancellationToken.None) is { } step)
            {
                total += step.Replayed;
                if (step.Completed || step.Lost)
                {
                    return (total, step.Completed);
                }
            }

            return (total, false);
        });
        async Task<int> RetryAllAsync(IEnumerable<Guid> ids)
        {
            var retried = 0;
            foreach (var id in ids)
            {
                retried += await jobs.ReplayAsync(id, 3, CancellationToken.None) is null ? 0 : 1;
            }

            return retried;
        }

        var forward = Task.Run(() => RetryAllAsync(selected));
        var backward = Task.Run(() => RetryAllAsync(selected.Reverse()));
        var (copied, completed) = await bulk;
        var retried = await forward + await backward;

        Assert.True(completed);
        Assert.Equal(selected.Length, copied + retried);
        var copies = await DeadLetters.CopiesAsync(database, selected);
        Assert.Equal(copied, copies.Count);
        await using var read = database.CreateCommand("""
            SELECT j.id, j.status, j.replayed_as, (SELECT count(*) FROM reports.jobs AS c WHERE c.replay_of = j.id) AS copies
            FROM reports.jobs AS j WHERE j.id = ANY($1)
            """);
        read.Parameters.AddWithValue(selected);
        await using var reader = await read.ExecuteReaderAsync();
        var rows = 0;
        while (await reader.ReadAsync())
        {
            rows++;
            var (status, replayedAs, copiesOf) = (reader.GetString(1), reader.IsDBNull(2) ? (Guid?)null : reader.GetGuid(2), reader.GetInt64(3));
            // Either copied (still failed, marked with its copy) or retried in place (queued, unmarked): exactly one run.
            Assert.True(
                (status == "failed" && replayedAs is not null && copiesOf == 1) || (status == "queued" && replayedAs is null && copiesOf == 0),
                $"{reader.GetGuid(0)}: {status}, replayed_as {replayedAs}, {copiesOf} copies");
        }

        Assert.Equal(selected.Length, rows);
        Assert.Equal(copies.Select(c => c.Copy).Order(), (await ReplayedAsAsync(database, selected)).Order());
    }

    private static async Task<IReadOnlyList<Guid>> ReplayedAsAsync(NpgsqlDataSource database, Guid[] ids)
    {
        await using var command = database.CreateCommand("SELECT replayed_as FROM reports.jobs WHERE id = ANY($1) AND replayed_as IS NOT NULL ORDER BY replayed_as");
        command.Parameters.AddWithValue(ids);
        var copies = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            copies.Add(reader.GetGuid(0));
        }

        return copies;
    }
}
