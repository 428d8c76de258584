using System.Text.Json;
using Reports.Core.Jobs;

namespace Reports.Tests.Engine;

/// <summary>A small orders CSV job as the API would store it, for tests that drive the job store directly.</summary>
internal static class OrdersJobs
{
    public static NewReportJob New(string ownerPrefix, string queue, int maxAttempts = 5, string from = "2024-01-01", string to = "2024-01-02") => new()
    {
        Owner = ownerPrefix + Guid.NewGuid().ToString("N"),
        ReportType = "orders",
        Format = "csv",
        Parameters = JsonDocument.Parse($$"""{"from":"{{from}}","to":"{{to}}"}""").RootElement,
        Queue = queue,
        MaxAttempts = maxAttempts,
    };
}
