using System.Text.Json;

namespace Reports.Core.Jobs;

/// <summary>A report job as stored: the source of truth for its status, attempts, progress and file.</summary>
public sealed record ReportJob
{
    public required Guid Id { get; init; }
    public required string Owner { get; init; }
    public required string ReportType { get; init; }
    public required string Format { get; init; }
    public required JsonElement Parameters { get; init; }
    public required string Queue { get; init; }

    /// <summary>The version of the report's definition the job was accepted with (<see cref="Catalog.ReportDefinition.Version"/>); null: unchecked.</summary>
    public string? DefinitionVersion { get; init; }
    public required string Status { get; init; }
    public required int Attempt { get; init; }
    public required int MaxAttempts { get; init; }

    /// <summary>How many of the claims counted in <see cref="Attempt"/> ended in a hand-over (release, restart), not a failure.</summary>
    public int Released { get; init; }
    public long RowsWritten { get; init; }
    public long? RowsTotal { get; init; }
    public long? SizeBytes { get; init; }
    public string? Sha256 { get; init; }
    public string? BlobName { get; init; }
    public string? ContentType { get; init; }
    public string? FileName { get; init; }
    public string? Error { get; init; }
    public string? ErrorCode { get; init; }
    public string? TraceParent { get; init; }
    public string? WebhookUrl { get; init; }
    public Guid? ScheduleId { get; init; }
    public DateTimeOffset? FireTime { get; init; }

    /// <summary>The dead letter this job replays (a bulk replay made it); null for any other job.</summary>
    public Guid? ReplayOf { get; init; }

    /// <summary>When the file is deleted by retention (set when the job succeeds).</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
    public string? Checkpoint { get; init; }

    /// <summary>Why a <c>waiting</c> job waits, and until when (its processing window opens).</summary>
    public string? WaitReason { get; init; }

    public DateTimeOffset? WaitingUntil { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>
    /// The outbox row written with this state of the job, when it was just written (create, replay): deleted by that id
    /// once published, so a newer row of the same job (a release, a replay) is never taken with it.
    /// </summary>
    public long? OutboxRowId { get; init; }

    /// <summary>When the row last changed; its ticks order the states of one job (the event id of its live progress).</summary>
    public DateTimeOffset UpdatedAt { get; init; }
}
