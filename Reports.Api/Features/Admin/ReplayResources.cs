using System.ComponentModel;
using System.Text.Json;
using Reports.Core.Replays;
using Reports.Core.Resources;

namespace Reports.Api.Features.Admin;

/// <summary>Which dead letters to replay: failed reports whose failure falls in [from, to), of a type, error code, owner and queue.</summary>
public sealed record DeadLetterFilterRequest
{
    [Description("Failed at or after this time (ISO 8601).")]
    public DateTimeOffset? From { get; init; }

    [Description("Failed before this time (ISO 8601); after from.")]
    public DateTimeOffset? To { get; init; }

    [Description("Report type, e.g. orders.")]
    public string? Type { get; init; }

    [Description("The error code of the failure, e.g. storage_unavailable.")]
    public string? ErrorCode { get; init; }

    [Description("The owner whose reports failed.")]
    public string? Owner { get; init; }

    [Description("The queue: reports or reports-bulk.")]
    public string? Queue { get; init; }
}

/// <summary>Which webhook deliveries that gave up to send again: failed in [from, to), of an owner's reports, to a URL or host, with an error code.</summary>
public sealed record DeliveryFilterRequest
{
    [Description("Gave up at or after this time (ISO 8601).")]
    public DateTimeOffset? From { get; init; }

    [Description("Gave up before this time (ISO 8601); after from.")]
    public DateTimeOffset? To { get; init; }

    [Description("The owner of the reports.")]
    public string? Owner { get; init; }

    [Description("The webhook URL, exactly.")]
    public string? Url { get; init; }

    [Description("The webhook URL's host, any port and path.")]
    public string? Host { get; init; }

    [Description("The last error code, e.g. connection_refused or http_status_5xx.")]
    public string? ErrorCode { get; init; }
}

/// <summary>A dead letter in a preview: its status resource with its owner and queue.</summary>
public sealed record DeadLetterSample(ReportResource Report, string Owner, string Queue);

/// <summary>What a filter selects now: how many (and how many of them were replayed already, so a replay would skip them) and the first few.</summary>
/// <summary>A preview of dead letters: the count stops at 10,000 (<c>countCapped</c> true: "10,000+").</summary>
public sealed record DeadLetterPreview(int Count, bool CountCapped, int AlreadyReplayed, IReadOnlyList<DeadLetterSample> Sample);

/// <summary>A webhook delivery that gave up.</summary>
public sealed record FailedDeliveryResource(
    Guid Id, Guid ReportId, string Url, string Event, int Attempts, int Replays, int? LastStatusCode, string? LastErrorCode, string? LastError,
    DateTimeOffset CreatedAt, DateTimeOffset? FailedAt);

/// <summary>A preview of deliveries that gave up: the count stops at 10,000 (<c>countCapped</c> true: "10,000+").</summary>
public sealed record DeliveryPreview(int Count, bool CountCapped, IReadOnlyList<FailedDeliveryResource> Sample);

/// <summary>
/// A bulk replay: its kind (jobs or webhooks), state (running, paused, cancelled, completed), filter and progress. Every
/// selected member ends replayed, skipped (already replayed, or no longer failed) or failed; remaining counts the rest.
/// </summary>
public sealed record ReplayResource
{
    public required Guid Id { get; init; }
    public required string Kind { get; init; }
    public required string Status { get; init; }
    public required JsonElement Filter { get; init; }
    public required string CreatedBy { get; init; }
    public required int Selected { get; init; }
    public required int Replayed { get; init; }
    public required int Skipped { get; init; }
    public required int Failed { get; init; }
    public required int Remaining { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>
    /// The worker running it now; null for a running replay that waits for a runner (one replay of each kind runs at a
    /// time: an older one goes first).
    /// </summary>
    public string? Runner { get; init; }

    /// <summary>Since when a running replay waits for its queues to drain (Reports:Replay:MaxQueued jobs queued); null otherwise.</summary>
    public DateTimeOffset? HeldSince { get; init; }

    public static ReplayResource From(Replay replay) => new()
    {
        Id = replay.Id,
        Kind = replay.Kind,
        Status = replay.Status,
        Filter = replay.Filter,
        CreatedBy = replay.CreatedBy,
        Selected = replay.Selected,
        Replayed = replay.Replayed,
        Skipped = replay.Skipped,
        Failed = replay.Failed,
        Remaining = replay.Selected - replay.Replayed - replay.Skipped - replay.Failed,
        CreatedAt = replay.CreatedAt,
        UpdatedAt = replay.UpdatedAt,
        FinishedAt = replay.FinishedAt,
        Runner = replay.Status == ReplayStatus.Running ? replay.LeaseOwner : null,
        HeldSince = replay.Status == ReplayStatus.Running ? replay.HeldSince : null,
    };
}

public sealed record ReplayList(IReadOnlyList<ReplayResource> Items);

/// <summary>A replay member: the dead letter or delivery, what became of it, and the job a dead letter was replayed as.</summary>
public sealed record ReplayItemResource(int Position, Guid Id, string? Outcome, Guid? ReplayedAs, DateTimeOffset? DoneAt);

/// <summary>A page of a replay's members; <c>nextAfter</c> (null on the last page) is the <c>after</c> of the next.</summary>
public sealed record ReplayItemList(IReadOnlyList<ReplayItemResource> Items, int? NextAfter);
