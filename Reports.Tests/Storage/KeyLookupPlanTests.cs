using Npgsql;
using Reports.Core.Storage;
using Reports.Tests.Integration;

namespace Reports.Tests.Storage;

/// <summary>
/// The hot statements that find jobs by id look them up by the primary key, on a database of its own whose statistics
/// are a production table's: analyzed while every job was finished (so the partial indexes on status look empty), then
/// a backlog of queued and running jobs. Had the planner been free to answer them from jobs_unfinished, each would read
/// the whole backlog to find its few jobs.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class KeyLookupPlanTests(Infrastructure infrastructure)
{
    [Fact]
    public async Task Claims_entries_completions_and_progress_read_jobs_by_key_behind_a_backlog_the_statistics_do_not_know()
    {
        await using var database = NpgsqlDataSource.Create(await IsolatedDatabase.CreateAsync(infrastructure));
        await ExecuteAsync(database, JobsSql("succeeded", 20_000));
        await ExecuteAsync(database, "ANALYZE reports.jobs");
        await ExecuteAsync(database, JobsSql("queued", 500));
        await ExecuteAsync(database, JobsSql("running", 500));
        var ids = new[] { Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid() };
        var attempts = new[] { 1, 1, 1 };
        var now = DateTimeOffset.UtcNow;

        var plans = new Dictionary<string, string>
        {
            ["claim"] = await QueryPlans.ExplainAsync(database, JobStore.ClaimManySql,
                ("ids", ids), ("worker", "w"), ("lease", TimeSpan.FromSeconds(30)), ("now", now)),
            ["entry"] = await QueryPlans.ExplainAsync(database, JobStore.EnterManySql, ("ids", ids), ("attempts", attempts)),
            ["completion"] = await QueryPlans.ExplainAsync(database, JobStore.CompleteManySql,
                ("ids", ids), ("attempts", attempts), ("blobs", Nulls<string>()), ("file_names", Nulls<string>()), ("content_types", Nulls<string>()),
                ("sizes", Nulls<long>()), ("shas", Nulls<string>()), ("rows", Nulls<long>()),
                ("retentions", new[] { TimeSpan.FromDays(1), TimeSpan.FromDays(1), TimeSpan.FromDays(1) }), ("now", now)),
            ["progress"] = await QueryPlans.ExplainAsync(database, JobStore.UpdateClaimedSql("rows_written = @rows"),
                ("id", ids[0]), ("attempt", 1), ("now", now), ("rows", 10L)),
        };

        // The control: the same lookup with its status condition in plain view reads the partial index, the whole backlog.
        var plain = await QueryPlans.ExplainAsync(database, "SELECT id FROM reports.jobs WHERE id = ANY(@ids) AND status = 'running'", ("ids", ids));
        Assert.Contains("jobs_unfinished", plain, StringComparison.Ordinal);
        Assert.All(plans, plan =>
        {
            Assert.Contains("jobs_pkey", plan.Value, StringComparison.Ordinal);
            Assert.DoesNotContain("jobs_unfinished", plan.Value, StringComparison.Ordinal);
        });
    }

    private static string JobsSql(string status, int count)
    {
        var attempt = status == "queued" ? 0 : 1;
        var lease = status == "running" ? "'w', now() + interval '1 minute'" : "NULL, NULL";
        var finished = status == "succeeded" ? "now()" : "NULL";
        return $"""
            INSERT INTO reports.jobs (id, owner, report_type, format, parameters, parameters_hash, queue, status, max_attempts, attempt,
                                      lease_owner, lease_expires_at, finished_at, created_at, updated_at)
            SELECT gen_random_uuid(), 'plans', 'orders', 'csv', '[]', 'x', 'reports', '{status}', 3, {attempt}, {lease}, {finished}, now(), now()
            FROM generate_series(1, {count})
            """;
    }

    private static T?[] Nulls<T>() => new T?[3];

    private static async Task ExecuteAsync(NpgsqlDataSource database, string sql)
    {
        await using var command = database.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}
