using System.Text.Json;
using Reports.Core.Jobs;

namespace Reports.Tests.Integration;

/// <summary>Jobs of the diagnostics report type, for tests of the engine that need a job and nothing it makes.</summary>
public static class NoOpJobs
{
    /// <summary>A no-op job of a new owner, on a queue no worker of the tests serves.</summary>
    public static NewReportJob New(string testQueue) => new()
    {
        Owner = testQueue + "-" + Guid.NewGuid().ToString("N"),
        ReportType = "noop",
        Format = "none",
        Parameters = JsonDocument.Parse("{}").RootElement,
        Queue = testQueue,
        MaxAttempts = 5,
    };
}
