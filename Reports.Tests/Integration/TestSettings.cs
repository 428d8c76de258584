using System.Globalization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Reports.Tests.Integration;

/// <summary>Configuration for in-process hosts: the collection's servers and small pages and blocks.</summary>
public static class TestSettings
{
    /// <summary>The bootstrap admin key of every in-process API in the tests.</summary>
    public const string AdminKey = "rpt_000000000000_test-admin-key-not-secret";

    /// <summary>
    /// The MariaDB copy of the demo data as the <c>sales-mariadb</c> source, and the catalog with its reports beside the
    /// PostgreSQL ones, as the AppHost sets them.
    /// </summary>
    public static IReadOnlyDictionary<string, string> SalesMariaDb(string readerConnectionString) => new Dictionary<string, string>
    {
        [$"ConnectionStrings:{Reports.Core.ResourceNames.SalesMariaDb}"] = readerConnectionString,
        [$"Reports:Sources:{Reports.Core.ResourceNames.SalesMariaDb}:Kind"] = "MySql",
        ["Reports:Catalog:Path"] = CatalogWithMariaDb,
    };

    /// <summary>The built-in definitions and their MariaDB variants.</summary>
    public static string CatalogWithMariaDb =>
        $"{Path.Combine(Reports.LocalServers.ToolPaths.RepositoryRoot, "catalog")};{Path.Combine(Reports.LocalServers.ToolPaths.RepositoryRoot, "catalog", "mariadb")}";

    public static void Apply(IWebHostBuilder builder, IReadOnlyDictionary<string, string> settings)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }

    public static void Apply(IWebHostBuilder builder, Infrastructure infrastructure, string name)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("ConnectionStrings:redis", infrastructure.RedisConnectionString);
        builder.UseSetting("ConnectionStrings:reportsdb", infrastructure.PostgresConnectionString);
        builder.UseSetting("ConnectionStrings:blobs", infrastructure.BlobConnectionString);
        builder.UseSetting("Reports:Generation:PageSize", ReportsSystem.PageSize.ToString(CultureInfo.InvariantCulture));
        builder.UseSetting("Reports:Generation:BlockSizeBytes", ReportsSystem.BlockSizeBytes.ToString(CultureInfo.InvariantCulture));
        builder.UseSetting("Reports:Pdf:PagesPerPart", ReportsSystem.PdfPagesPerPart.ToString(CultureInfo.InvariantCulture));
        builder.UseSetting("Reports:Worker:Id", name);
        builder.UseSetting("Reports:Auth:BootstrapAdminKey", AdminKey);
        builder.UseSetting("Reports:Webhooks:AllowLoopback", "true");
        builder.UseSetting("Reports:Webhooks:RetryBaseDelay", "00:00:00.200");
        builder.UseSetting("Reports:Webhooks:PollInterval", "00:00:00.100");
        builder.UseSetting("Reports:Api:SseHeartbeat", "00:00:01");
        builder.UseSetting("Reports:Api:CreatesPerMinute", "100000");
        builder.UseSetting("Reports:Api:MaxActiveJobsPerOwner", "100000");
        builder.UseSetting("Reports:Schedules:MinInterval", "00:00:01"); // schedule tests fire every second
        builder.UseSetting("Reports:Schedules:Monitoring:CheckInterval", "00:00:01");
        builder.UseSetting("Reports:Worker:Lease", "00:00:10");
        builder.UseSetting("Reports:Worker:Heartbeat", "00:00:02");
        builder.UseSetting("Reports:Worker:MaintenanceInterval", "00:00:00.500");
        builder.UseSetting("Reports:Worker:RetryBaseDelay", "00:00:00.500");
        builder.ConfigureServices(services => services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning)));
    }
}
