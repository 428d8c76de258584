using System.Globalization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Reports.Tests.Integration;

/// <summary>Configuration for in-process hosts: the collection's servers and small pages and blocks.</summary>
public static class TestSettings
{
    public static void Apply(IWebHostBuilder builder, Infrastructure infrastructure, string name)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("ConnectionStrings:redis", infrastructure.RedisConnectionString);
        builder.UseSetting("ConnectionStrings:reportsdb", infrastructure.PostgresConnectionString);
        builder.UseSetting("ConnectionStrings:blobs", infrastructure.BlobConnectionString);
        builder.UseSetting("Reports:Generation:PageSize", ReportsSystem.PageSize.ToString(CultureInfo.InvariantCulture));
        builder.UseSetting("Reports:Generation:BlockSizeBytes", ReportsSystem.BlockSizeBytes.ToString(CultureInfo.InvariantCulture));
        builder.UseSetting("Reports:Worker:Id", name);
        builder.UseSetting("Reports:Worker:Lease", "00:00:10");
        builder.UseSetting("Reports:Worker:Heartbeat", "00:00:02");
        builder.UseSetting("Reports:Worker:MaintenanceInterval", "00:00:00.500");
        builder.UseSetting("Reports:Worker:RetryBaseDelay", "00:00:00.500");
        builder.ConfigureServices(services => services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning)));
    }
}
