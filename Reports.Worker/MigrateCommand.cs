using MySqlConnector;
using Npgsql;
using Reports.Core;
using Reports.Core.Dataset;
using Reports.Core.Storage;

namespace Reports.Worker;

/// <summary>
/// Applies the job store's migrations, then creates and seeds the demo sales dataset when missing
/// (<c>Reports:Dataset:Orders</c>, <c>:Seed</c>) in <c>ConnectionStrings:sales</c>, or in the job store's database when that
/// is not set (a single-database install); given <c>ConnectionStrings:sales-mariadb</c>, then copies that dataset into
/// MariaDB when the copy there is not of it.
/// </summary>
internal static class MigrateCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.AddReportsDatabase();
        builder.Services.AddSingleton<Migrator>();
        using var host = builder.Build();
        var logger = host.Services.GetRequiredService<ILogger<Migrator>>();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(30));
        var jobStore = host.Services.GetRequiredService<NpgsqlDataSource>();
        await using var ownDatabase = builder.Configuration.GetConnectionString(ResourceNames.Sales) is { Length: > 0 } sales
            ? NpgsqlDataSource.Create(sales)
            : null;
        var dataset = ownDatabase ?? jobStore;
        try
        {
            await host.Services.GetRequiredService<Migrator>().MigrateAsync(cancel.Token);
            var orders = builder.Configuration.GetValue("Reports:Dataset:Orders", 200_000L);
            var seed = builder.Configuration.GetValue("Reports:Dataset:Seed", SalesDataset.DefaultSeed);
            logger.LogInformation("The demo dataset lives in database {Database}", new NpgsqlConnectionStringBuilder(dataset.ConnectionString).Database);
            await new SalesDataset(dataset, host.Services.GetRequiredService<ILogger<SalesDataset>>()).EnsureAsync(orders, seed, cancel.Token);
            if (builder.Configuration.GetConnectionString(ResourceNames.SalesMariaDb) is { Length: > 0 } mariaDb)
            {
                await CopyToMariaDbAsync(dataset, mariaDb, host.Services.GetRequiredService<ILogger<MariaDbSalesCopy>>(), cancel.Token);
            }

            return 0;
        }
        catch (Exception e)
        {
            logger.LogCritical(e, "Migration failed");
            return 1;
        }
    }

    private static async Task CopyToMariaDbAsync(
        NpgsqlDataSource dataset, string connectionString, ILogger<MariaDbSalesCopy> logger, CancellationToken cancellationToken)
    {
        // LOAD DATA LOCAL INFILE streams the rows (MySqlBulkCopy); the copier's own connection, never a report reader's.
        var builder = new MySqlConnectionStringBuilder(connectionString) { AllowLoadLocalInfile = true, DateTimeKind = MySqlDateTimeKind.Utc };
        await using var mariaDb = new MySqlDataSource(builder.ConnectionString);
        await new MariaDbSalesCopy(dataset, mariaDb, logger).EnsureAsync(cancellationToken);
    }
}
