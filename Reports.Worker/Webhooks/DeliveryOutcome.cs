using Reports.Core.Webhooks;

namespace Reports.Worker.Webhooks;

/// <summary>
/// What one attempt of a webhook delivery came to: a stable <see cref="ErrorCode"/> (its fixed text is what is stored)
/// and a <see cref="Detail"/> for the worker's log only.
/// </summary>
internal sealed record DeliveryOutcome(DeliveryResult Result, int? StatusCode, string? ErrorCode, string? Detail)
{
    /// <summary>The text stored and shown: fixed per code, so it carries nothing of the exception or the answer.</summary>
    public string? Error => ErrorCode is null ? null : WebhookErrors.Describe(ErrorCode);

    public static DeliveryOutcome Delivered(int statusCode) => new(DeliveryResult.Delivered, statusCode, null, null);

    public static DeliveryOutcome Retry(int? statusCode, string errorCode, string detail) => new(DeliveryResult.Retry, statusCode, errorCode, detail);

    public static DeliveryOutcome Refused(string errorCode, string detail) => new(DeliveryResult.Refused, null, errorCode, detail);
}

internal enum DeliveryResult
{
    /// <summary>The receiver answered 2xx.</summary>
    Delivered,

    /// <summary>Another answer, a timeout or a network error: tried again with backoff.</summary>
    Retry,

    /// <summary>The target is refused (SSRF policy) or the report is gone: failed at once, never retried.</summary>
    Refused,
}
