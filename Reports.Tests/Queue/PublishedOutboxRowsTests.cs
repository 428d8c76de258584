using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Reports.Core.Queue;
using Reports.Tests.Integration;

namespace Reports.Tests.Queue;

[Collection(IntegrationGroup.Name)]
public sealed class PublishedOutboxRowsTests(Infrastructure infrastructure)
{
    // The test's rows are dated an hour ahead: the collection's running system relays rows older than a second, and
    // would publish and delete them while the test runs.
    [Fact]
    public async Task The_rows_of_published_jobs_are_deleted_and_those_waiting_at_stop_too()
    {
        await infrastructure.SystemAsync(); // migrated
        await using var database = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString);
        var published = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToArray();
        var unpublished = Guid.NewGuid();
        foreach (var job in published.Append(unpublished))
        {
            await using var insert = database.CreateCommand("INSERT INTO reports.outbox (job_id, queue, created_at) VALUES ($1, 'test-outbox', now() + interval '1 hour')");
            insert.Parameters.AddWithValue(job);
            await insert.ExecuteNonQueryAsync();
        }

        var rows = new PublishedOutboxRows(database, NullLogger<PublishedOutboxRows>.Instance);
        using var stop = new CancellationTokenSource();
        var cleanup = rows.RunAsync(stop.Token);
        rows.Add(published[0]);
        rows.Add(published[1]);
        await Engine.FaultSystem.EventuallyAsync(async () => await RemainingAsync(database, published[..2]) == 0, "the first rows are deleted");

        await stop.CancelAsync();
        await cleanup;
        rows.Add(published[2]); // after the loop stopped: left for the relay
        Assert.Equal(3, await RemainingAsync(database, published[2..]));
        Assert.Equal(1, await RemainingAsync(database, [unpublished]));
    }

    [Fact]
    public async Task Rows_added_before_a_stop_are_deleted_by_it()
    {
        await infrastructure.SystemAsync();
        await using var database = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString);
        var job = Guid.NewGuid();
        await using (var insert = database.CreateCommand("INSERT INTO reports.outbox (job_id, queue, created_at) VALUES ($1, 'test-outbox', now() + interval '1 hour')"))
        {
            insert.Parameters.AddWithValue(job);
            await insert.ExecuteNonQueryAsync();
        }

        var rows = new PublishedOutboxRows(database, NullLogger<PublishedOutboxRows>.Instance);
        using var stop = new CancellationTokenSource();
        await stop.CancelAsync();
        rows.Add(job);
        await rows.RunAsync(stop.Token);

        Assert.Equal(0, await RemainingAsync(database, [job]));
    }

    private static async Task<long> RemainingAsync(NpgsqlDataSource database, Guid[] jobs)
    {
        await using var count = database.CreateCommand("SELECT count(*) FROM reports.outbox WHERE job_id = ANY($1)");
        count.Parameters.AddWithValue(jobs);
        return (long)(await count.ExecuteScalarAsync())!;
    }
}
