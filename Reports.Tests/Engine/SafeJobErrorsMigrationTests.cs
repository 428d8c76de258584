using Npgsql;
using Reports.Core.Storage;
using Reports.Tests.Integration;

namespace Reports.Tests.Engine;

[Collection(IntegrationGroup.Name)]
public sealed class SafeJobErrorsMigrationTests(Infrastructure infrastructure)
{
    [Fact]
    public async Task Errors_recorded_with_exception_text_before_are_cut_back_to_the_part_that_failed()
    {
        await using var dataSource = NpgsqlDataSource.Create(await infrastructure.CreateDatabaseAsync("errors"));
        var job = (await new JobStore(dataSource, TimeProvider.System).CreateAsync(OrdersJobs.New("errors-", "reports"), CancellationToken.None)).Job;
        const string Old = "Attempt 3 of 3 failed: AggregateException: Retry failed after 6 tries. (Connection refused (127.0.0.1:10000))";
        await using (var fail = dataSource.CreateCommand("UPDATE reports.jobs SET status = 'failed', error_code = 'attempts_exhausted', error = $2 WHERE id = $1"))
        {
            fail.Parameters.AddWithValue(job.Id);
            fail.Parameters.AddWithValue(Old);
            await fail.ExecuteNonQueryAsync();
        }

        await using (var migration = dataSource.CreateCommand(Migrator.Migrations().Single(m => m.Name == "0020_safe_job_errors").Sql))
        {
            await migration.ExecuteNonQueryAsync();
        }

        await using var read = dataSource.CreateCommand("SELECT error FROM reports.jobs WHERE id = $1");
        read.Parameters.AddWithValue(job.Id);
        var error = (string)(await read.ExecuteScalarAsync())!;
        Assert.StartsWith("Attempt 3 of 3 failed: an unexpected error", error, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", error, StringComparison.Ordinal);
    }
}
