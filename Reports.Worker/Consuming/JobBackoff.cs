namespace Reports.Worker.Consuming;

/// <summary>How long a failed job waits before its next attempt: exponential backoff with jitter, capped.</summary>
internal static class JobBackoff
{
    /// <summary>
    /// After <paramref name="attemptsUsed"/> attempts: base × 2^(attempts−1), at most
    /// <see cref="WorkerOptions.RetryMaxDelay"/>, × [0.5, 1) (<paramref name="jitter"/> in [0, 1) picks where).
    /// </summary>
    public static TimeSpan Delay(int attemptsUsed, WorkerOptions options, double jitter)
    {
        ArgumentNullException.ThrowIfNull(options);
        var doubled = options.RetryBaseDelay.Ticks * Math.Pow(2, Math.Clamp(attemptsUsed - 1, 0, 62));
        var ceiling = TimeSpan.FromTicks((long)Math.Min(doubled, options.RetryMaxDelay.Ticks));
        return ceiling * (0.5 + (Math.Clamp(jitter, 0, 1) / 2));
    }
}
