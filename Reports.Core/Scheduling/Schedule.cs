using System.Text.Json;

namespace Reports.Core.Scheduling;

/// <summary>A schedule as stored.</summary>
public sealed record Schedule
{
    public required Guid Id { get; init; }
    public required string Owner { get; init; }
    public required string Name { get; init; }
    public required string ReportType { get; init; }
    public required string Format { get; init; }
    public required JsonElement Parameters { get; init; }
    public required string Cron { get; init; }
    public required string TimeZone { get; init; }
    public bool Paused { get; init; }
    public string MissedPolicy { get; init; } = MissedFirePolicy.FireOnce;
    public string? WebhookUrl { get; init; }
    public IReadOnlyList<string> EmailRecipients { get; init; } = [];
    public DateTimeOffset? NextFireAt { get; init; }
    public DateTimeOffset? LastFireAt { get; init; }
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Fire times not fired because the owner was at its active-job quota, and the latest of them.</summary>
    public long SkippedFires { get; init; }

    public DateTimeOffset? LastSkippedFireAt { get; init; }
}
