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
        var ceiling = options.RetryBaseDelay * Math.Pow(2, Math.Clamp(attempts - 1, 0, 30));
        if (ceiling > options.MaxRetryDelay)
        {
            ceiling = options.MaxRetryDelay;
        }

        var due = now + (ceiling * (0.5 + (Random.Shared.NextDouble() / 2)));
        return due <= createdAt + options.RetryPeriod ? due : null;
    }
}
