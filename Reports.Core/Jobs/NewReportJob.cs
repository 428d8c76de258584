using System.Text.Json;

namespace Reports.Core.Jobs;

/// <summary>What the API hands to the store to accept a report: validated, normalised parameters.</summary>
public sealed record NewReportJob
{
    public required string Owner { get; init; }
    public required string ReportType { get; init; }
    public required string Format { get; init; }
    public required JsonElement Parameters { get; init; }
    public required string Queue { get; init; }

    /// <summary>The version of the report's definition the job was accepted with (<see cref="Catalog.ReportDefinition.Version"/>); null: unchecked.</summary>
    public string? DefinitionVersion { get; init; }
    public required int MaxAttempts { get; init; }
    public string? IdempotencyKey { get; init; }
    public string? TraceParent { get; init; }

    /// <summary>Where to POST the status resource when the job reaches a final state.</summary>
    public Uri? WebhookUrl { get; init; }

    /// <summary>The schedule and fire time this job was made for; unique together.</summary>
    public Guid? ScheduleId { get; init; }

    public DateTimeOffset? FireTime { get; init; }

    /// <summary>
    /// The most unfinished jobs its owner may have, this one included: counted and written atomically, so no path and
    /// no burst of concurrent requests goes over it. Null: no quota (in-process tools such as the benchmark).
    /// </summary>
    public int? ActiveJobQuota { get; init; }

    /// <summary>Who gets an email when the job reaches a final state (when SMTP is configured).</summary>
    public IReadOnlyList<string> EmailRecipients { get; init; } = [];
}
