using System.ComponentModel.DataAnnotations;

namespace Reports.Api;

/// <summary>Request limits of the API (<c>Reports:Api</c>).</summary>
public sealed class ApiOptions
{
    public const string SectionName = "Reports:Api";

    /// <summary>Largest request body accepted; larger ones get 413.</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxRequestBodyBytes { get; set; } = 64 * 1024;

    /// <summary>Reports one owner may request per minute; more get 429 with Retry-After.</summary>
    [Range(1, 1_000_000)]
    public int CreatesPerMinute { get; set; } = 120;

    // The active-job quota, Reports:Api:MaxActiveJobsPerOwner, is Reports.Core's JobQuotaOptions: the scheduler counts it too.

    /// <summary>How often a live progress stream sends a keep-alive comment (and re-reads its report) when nothing changed.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan SseHeartbeat { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Live progress streams one owner may hold open at once on one API process (all its keys together); more get 429.</summary>
    [Range(1, 10_000)]
    public int MaxEventStreamsPerOwner { get; set; } = 20;

    /// <summary>Longest a live progress stream stays open; the client then reconnects with Last-Event-ID.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan SseMaxDuration { get; set; } = TimeSpan.FromHours(1);
}
