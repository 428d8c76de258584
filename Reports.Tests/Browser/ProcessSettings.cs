using System.Globalization;
using Reports.Tests.Integration;

namespace Reports.Tests.Browser;

/// <summary>The settings of <see cref="TestSettings"/> as environment variables, for the API and worker processes.</summary>
internal static class ProcessSettings
{
    public static Dictionary<string, string> For(Infrastructure infrastructure) => new(StringComparer.Ordinal)
    {
        ["ConnectionStrings__redis"] = infrastructure.RedisConnectionString,
        ["ConnectionStrings__reportsdb"] = infrastructure.PostgresConnectionString,
        ["ConnectionStrings__blobs"] = infrastructure.BlobConnectionString,
        ["Reports__Generation__PageSize"] = ReportsSystem.PageSize.ToString(CultureInfo.InvariantCulture),
        ["Reports__Generation__BlockSizeBytes"] = ReportsSystem.BlockSizeBytes.ToString(CultureInfo.InvariantCulture),
        ["Reports__Auth__BootstrapAdminKey"] = TestSettings.AdminKey,
        ["Reports__Webhooks__AllowLoopback"] = "true",
        ["Reports__Api__SseHeartbeat"] = "00:00:01",
        ["Reports__Api__CreatesPerMinute"] = "100000",
        ["Reports__Api__MaxActiveJobsPerOwner"] = "100000",
        ["Reports__Schedules__MinInterval"] = "00:00:01",
        ["Reports__Worker__Lease"] = "00:00:10",
        ["Reports__Worker__Heartbeat"] = "00:00:02",
        ["Reports__Worker__MaintenanceInterval"] = "00:00:00.500",
        ["Reports__Worker__RetryBaseDelay"] = "00:00:00.500",
    };
}
