using System.Globalization;
using Npgsql;
using Reports.Core.Dataset;
using Reports.Tests.Integration;

namespace Reports.Tests.Worker;

/// <summary>
/// <c>Reports.Worker migrate</c> (the AppHost's migrate resource, the Kubernetes Job, the systemd unit) as a real process
/// on empty databases: the job store gets only jobs when the demo dataset has a database of its own
/// (<c>ConnectionStrings:sales</c>), and the dataset goes into the job store's database when it has none.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class MigrateCommandTests(Infrastructure infrastructure)
{
    private const int Orders = 1_000;

    [Fact]
    public async Task With_a_sales_database_the_dataset_is_seeded_there_and_the_job_store_holds_only_jobs()
    {
        var jobStore = await infrastructure.CreateEmptyDatabaseAsync("migrate_jobs");
        var sales = await infrastructure.CreateEmptyDatabaseAsync("migrate_sales");

        var (exitCode, output) = await MigrateAsync(jobStore, sales);

        Assert.True(exitCode == 0, output);
        Assert.Equal([$"{Orders} {SalesDataset.DefaultSeed} {SalesDataset.Version}"],
            await RowsAsync(sales, "SELECT orders || ' ' || seed || ' ' || version FROM sales.dataset"));
        Assert.Equal([Orders.ToString(CultureInfo.InvariantCulture)], await RowsAsync(sales, "SELECT count(*)::text FROM sales.orders"));
        Assert.Equal(["12"], await RowsAsync(sales, "SELECT count(*)::text FROM sales.fx_rates"));
        Assert.Empty(await RowsAsync(sales, "SELECT nspname::text FROM pg_namespace WHERE nspname = 'reports'"));
        Assert.Empty(await RowsAsync(jobStore, "SELECT nspname::text FROM pg_namespace WHERE nspname = 'sales'"));
        Assert.Equal(["jobs"], await RowsAsync(jobStore, "SELECT relname::text FROM pg_class WHERE oid = to_regclass('reports.jobs')"));
        Assert.Empty(await RowsAsync(jobStore, "SELECT name FROM reports.schema_migrations WHERE name LIKE '%sales%'"));
    }

    [Fact]
    public async Task Without_a_sales_database_the_dataset_is_seeded_into_the_job_store_and_a_second_run_keeps_it()
    {
        var jobStore = await infrastructure.CreateEmptyDatabaseAsync("migrate_single");

        var first = await MigrateAsync(jobStore, sales: null);
        var seededAt = await RowsAsync(jobStore, "SELECT seeded_at::text FROM sales.dataset");
        var second = await MigrateAsync(jobStore, sales: null);

        Assert.True(first.ExitCode == 0, first.Output);
        Assert.True(second.ExitCode == 0, second.Output);
        Assert.Equal([Orders.ToString(CultureInfo.InvariantCulture)], await RowsAsync(jobStore, "SELECT count(*)::text FROM sales.orders"));
        Assert.Equal(seededAt, await RowsAsync(jobStore, "SELECT seeded_at::text FROM sales.dataset"));
        Assert.Equal(["jobs"], await RowsAsync(jobStore, "SELECT relname::text FROM pg_class WHERE oid = to_regclass('reports.jobs')"));
    }

    private static Task<(int ExitCode, string Output)> MigrateAsync(string jobStore, string? sales) =>
        WorkerCommand.RunAsync(["migrate"], new Dictionary<string, string?>
        {
            ["ConnectionStrings__reportsdb"] = jobStore,
            ["ConnectionStrings__sales"] = sales,
            ["ConnectionStrings__sales-mariadb"] = null,
            ["Reports__Dataset__Orders"] = Orders.ToString(CultureInfo.InvariantCulture),
        });

    private static async Task<IReadOnlyList<string>> RowsAsync(string connectionString, string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }
}
