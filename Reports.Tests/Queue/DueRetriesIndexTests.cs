using Npgsql;
using Reports.Core.Storage;
using Reports.Tests.Integration;

namespace Reports.Tests.Queue;

/// <summary>
/// The sweeper's due retries on a database of its own: many retries waiting out their backoff, a few due. The sweep's
/// own statement reads them through jobs_due_retries, and re-queues only the due ones.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class DueRetriesIndexTests(Infrastructure infrastructure)
{
    [Fact]
    public async Task The_sweep_finds_due_retries_through_their_partial_index_and_requeues_only_those()
    {
        await using var database = NpgsqlDataSource.Create(await IsolatedDatabase.CreateAsync(infrastructure));
        var queue = "sweep-retries-" + Guid.NewGuid().ToString("N")[..8];
        await using (var insert = database.CreateCommand("""
            INSERT INTO reports.jobs (id, owner, report_type, format, parameters, parameters_hash, queue, status, max_attempts, attempt,
                                      next_attempt_at, updated_at)
            SELECT gen_random_uuid(), 'retries', 'orders', 'csv', '{}', 'x', $1, 'retrying', 5, 1,
                   now() + CASE WHEN n <= 3 THEN interval '-1 minute' ELSE interval '1 hour' END, now() - interval '1 hour'
            FROM generate_series(1, 20000) n
            """))
        {
            insert.Parameters.AddWithValue(queue);
            await insert.ExecuteNonQueryAsync();
        }

        await using (var analyze = database.CreateCommand("ANALYZE reports.jobs"))
        {
            await analyze.ExecuteNonQueryAsync();
        }

        var plan = await QueryPlans.ExplainAsync(database, JobStore.RequeueStrandedSql,
            ("now", DateTimeOffset.UtcNow), ("limit", 1000), ("republish_before", DateTimeOffset.UtcNow.AddMinutes(-2)));

        Assert.Contains("jobs_due_retries", plan, StringComparison.Ordinal);
        var swept = await new JobStore(database, TimeProvider.System).RequeueStrandedAsync(TimeSpan.FromMinutes(2), 1000, null, CancellationToken.None);
        Assert.Equal(3, swept.Requeued);
    }
}
