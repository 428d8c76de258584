using Reports.Core.Webhooks;

namespace Reports.Worker.Webhooks;

/// <summary>When a failed delivery is tried again: exponential backoff with jitter, within the retry period.</summary>
internal static class WebhookBackoff
{
    /// <summary>
    /// The next attempt after <paramref name="attempts"/> failed ones: base × 2^(attempts−1), capped, × [0.5, 1);
    /// null once that would fall after <see cref="WebhookOptions.RetryPeriod"/> from the delivery's creation.
    /// </summary>
    public static DateTimeOffset? NextAttempt(int attempts, DateTimeOffset createdAt, DateTimeOffset now, WebhookOptions options)
    {
        var due = now + RetryBackoff.Delay(attempts, options.RetryBaseDelay, options.MaxRetryDelay, Random.Shared.NextDouble());
        return due <= createdAt + options.RetryPeriod ? due : null;
    }
}
