using MySqlConnector;
using Reports.Core;
using Reports.Core.Dataset;
using Reports.Core.Storage;

namespace Reports.Worker;

/// <summary>
/// Applies the schema migrations and seeds the sales dataset when missing (<c>Reports:Dataset:Orders</c>, <c>:Seed</c>);
/// given <c>ConnectionStrings:sales-mariadb</c>, then copies that dataset into MariaDB when the copy there is not of it.
/// </summary>
internal static class MigrateCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.AddReportsDatabase();
        builder.Services.AddSingleton<Migrator>();
        builder.Services.AddSingleton<SalesDataset>();
        using var host = builder.Build();
        var logger = host.Services.GetRequiredService<ILogger<Migrator>>();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(30));
        try
        {
            await host.Services.GetRequiredService<Migrator>().MigrateAsync(cancel.Token);
            var orders = builder.Configuration.GetValue("Reports:Dataset:Orders", 200_000L);
            var seed = builder.Configuration.GetValue("Reports:Dataset:Seed", SalesDataset.DefaultSeed);
            await host.Services.GetRequiredService<SalesDataset>().EnsureAsync(orders, seed, cancel.Token);
            if (builder.Configuration.GetConnectionString(ResourceNames.SalesMariaDb) is { Length: > 0 } mariaDb)
            {
                await CopyToMariaDbAsync(host.Services, mariaDb, cancel.Token);
            }

            return 0;
        }
        catch (Exception e)
        {
            logger.LogCritical(e, "Migration failed");
            return 1;
        }
    }

    private static async Task CopyToMariaDbAsync(IServiceProvider services, string connectionString, CancellationToken cancellationToken)
    {
        // LOAD DATA LOCAL INFILE streams the rows (MySqlBulkCopy); the copier's own connection, never a report reader's.
        var builder = new MySqlConnectionStringBuilder(connectionString) { AllowLoadLocalInfile = true, DateTimeKind = MySqlDateTimeKind.Utc };
        await using var mariaDb = new MySqlDataSource(builder.ConnectionString);
        var copy = new MariaDbSalesCopy(services.GetRequiredService<Npgsql.NpgsqlDataSource>(), mariaDb, services.GetRequiredService<ILogger<MariaDbSalesCopy>>());
        await copy.EnsureAsync(cancellationToken);
    }
}
