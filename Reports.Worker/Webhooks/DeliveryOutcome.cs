namespace Reports.Worker.Webhooks;

/// <summary>What one attempt of a webhook delivery came to.</summary>
internal sealed record DeliveryOutcome(DeliveryResult Result, int? StatusCode, string? Error)
{
    public static DeliveryOutcome Delivered(int statusCode) => new(DeliveryResult.Delivered, statusCode, null);

    public static DeliveryOutcome Retry(int? statusCode, string error) => new(DeliveryResult.Retry, statusCode, error);

    public static DeliveryOutcome Refused(string error) => new(DeliveryResult.Refused, null, error);
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
