namespace Reports.Core.Webhooks;

/// <summary>The states of a webhook delivery; stored as these lower-case names.</summary>
public static class WebhookDeliveryStatus
{
    public const string Pending = "pending";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
}

/// <summary>A webhook delivery as stored: the record a client can inspect.</summary>
public sealed record WebhookDelivery
{
    public required Guid Id { get; init; }
    public required Guid JobId { get; init; }
    public required string Url { get; init; }
    public required string Event { get; init; }
    public required string Status { get; init; }
    public required int Attempts { get; init; }
    public int? LastStatusCode { get; init; }
    public string? LastError { get; init; }

    /// <summary>The stable code of the last failure (<see cref="WebhookErrors"/>); <see cref="LastError"/> is its fixed text.</summary>
    public string? LastErrorCode { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? DeliveredAt { get; init; }
    public required DateTimeOffset NextAttemptAt { get; init; }

    /// <summary>When its retry window starts: its last replay, or its creation (null) if never replayed.</summary>
    public DateTimeOffset? RetryFrom { get; init; }

    /// <summary>How many times an operator replayed it after it gave up.</summary>
    public int Replays { get; init; }

    /// <summary>The attempts made before its last replay: its backoff starts again from the first step after a replay.</summary>
    public int AttemptsBeforeReplay { get; init; }

    /// <summary>When it gave up (status failed); null otherwise.</summary>
    public DateTimeOffset? FailedAt { get; init; }
}
