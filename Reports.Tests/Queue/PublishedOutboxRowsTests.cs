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
        var published = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            published.Add(await InsertRowAsync(database, Guid.NewGuid()));
        }

        var unpublished = await InsertRowAsync(database, Guid.NewGuid());
        var rows = new PublishedOutboxRows(database, NullLogger<PublishedOutboxRows>.Instance);
        using var stop = new CancellationTokenSource();
        var cleanup = rows.RunAsync(stop.Token);
        rows.Add(published[0]);
        rows.Add(published[1]);
        await Engine.FaultSystem.EventuallyAsync(async () => await RemainingAsync(database, [.. published[..2]]) == 0, "the first rows are deleted");

        await stop.CancelAsync();
        await cleanup;
        rows.Add(published[2]); // after the loop stopped: left for the relay
        Assert.Equal(3, await RemainingAsync(database, [.. published[2..]]));
        Assert.Equal(1, await RemainingAsync(database, [unpublished]));
    }

    [Fact]
    public async Task Rows_added_before_a_stop_are_deleted_by_it()
    {
        await infrastructure.SystemAsync();
        await using var database = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString);
        var row = await InsertRowAsync(database, Guid.NewGuid());

        var rows = new PublishedOutboxRows(database, NullLogger<PublishedOutboxRows>.Instance);
        using var stop = new CancellationTokenSource();
        await stop.CancelAsync();
        rows.Add(row);
        await rows.RunAsync(stop.Token);

        Assert.Equal(0, await RemainingAsync(database, [row]));
    }

    [Fact]
    public async Task Deleting_a_published_row_leaves_a_newer_row_of_the_same_job_to_be_published()
    {
        await infrastructure.SystemAsync();
        await using var database = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString);
        var job = Guid.NewGuid();
        var published = await InsertRowAsync(database, job);
        var released = await InsertRowAsync(database, job); // e.g. the job was released after the first row went out

        var rows = new PublishedOutboxRows(database, NullLogger<PublishedOutboxRows>.Instance);
        using var stop = new CancellationTokenSource();
        var cleanup = rows.RunAsync(stop.Token);
        rows.Add(published);
        await Engine.FaultSystem.EventuallyAsync(async () => await RemainingAsync(database, [published]) == 0, "the published row is deleted");
        await stop.CancelAsync();
        await cleanup;

        Assert.Equal(1, await RemainingAsync(database, [released]));
    }

    private static async Task<long> InsertRowAsync(NpgsqlDataSource database, Guid job)
    {
        await using var insert = database.CreateCommand(
            "INSERT INTO reports.outbox (job_id, queue, created_at) VALUES ($1, 'test-outbox', now() + interval '1 hour') RETURNING id");
        insert.Parameters.AddWithValue(job);
        return (long)(await insert.ExecuteScalarAsync())!;
    }

    private static async Task<long> RemainingAsync(NpgsqlDataSource database, long[] rows)
    {
        await using var count = database.CreateCommand("SELECT count(*) FROM reports.outbox WHERE id = ANY($1)");
        count.Parameters.AddWithValue(rows);
        return (long)(await count.ExecuteScalarAsync())!;
    }
}
