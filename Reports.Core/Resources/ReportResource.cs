using System.Text.Json;

namespace Reports.Core.Resources;

/// <summary>
/// The status resource of a report run, shaped like Stripe's report runs: what the API serves, what a webhook POSTs
/// and what each Server-Sent Event carries.
/// </summary>
public sealed record ReportResource
{
    public required Guid Id { get; init; }
    public required string Type { get; init; }
    public required string Format { get; init; }
    public required JsonElement Parameters { get; init; }
    public required string Status { get; init; }
    public required ReportProgress Progress { get; init; }
    public required int Attempts { get; init; }
    public ReportError? Error { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public ReportFileResource? File { get; init; }

    /// <summary>The schedule and fire time that made this report; null for reports requested directly.</summary>
    public ReportScheduleLink? Schedule { get; init; }

    /// <summary>The failed report (dead letter) this one replays; null unless a bulk replay made it.</summary>
    public Guid? ReplayOf { get; init; }

    /// <summary>For a dead letter that a bulk replay ran again: the report it was replayed as (in the admin views only).</summary>
    public Guid? ReplayedAs { get; init; }

    /// <summary>When the file will be deleted (retention); null until the report succeeds.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Why a <c>waiting</c> report waits and when it starts (its processing window opens); null otherwise.</summary>
    public ReportWaiting? Waiting { get; init; }
}

public sealed record ReportWaiting(string Reason, DateTimeOffset Until);

/// <summary>Why a report failed, or why its last attempt failed while it is retrying.</summary>
public sealed record ReportError(string Code, string Message);

public sealed record ReportScheduleLink(Guid Id, DateTimeOffset FireTime);

public sealed record ReportProgress(long RowsWritten, long? RowsTotal, int? Percent);

/// <summary>The finished file; <c>download</c> is a freshly signed link, absent where none is signed (webhook bodies).</summary>
public sealed record ReportFileResource(long SizeBytes, string Sha256, string ContentType, string FileName, DownloadLink? Download);

public sealed record DownloadLink(Uri Url, DateTimeOffset ExpiresAt);
