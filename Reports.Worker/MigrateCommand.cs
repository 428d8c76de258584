using Reports.Core;
using Reports.Core.Dataset;
using Reports.Core.Storage;

namespace Reports.Worker;

/// <summary>Applies the schema migrations and seeds the sales dataset when missing (<c>Reports:Dataset:Orders</c>, <c>:Seed</c>).</summary>
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
            return 0;
        }
        catch (Exception e)
        {
            logger.LogCritical(e, "Migration failed");
            return 1;
        }
    }
}
