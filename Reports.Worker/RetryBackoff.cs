namespace Reports.Worker;

/// <summary>How long to wait before trying again (a failed job, a failed webhook delivery): exponential backoff with jitter, capped.</summary>
internal static class RetryBackoff
{
    /// <summary>
    /// After <paramref name="attempts"/> failed attempts: <paramref name="first"/> × 2^(attempts−1), at most
    /// <paramref name="longest"/>, × [0.5, 1) (<paramref name="jitter"/> in [0, 1) picks where).
    /// </summary>
    public static TimeSpan Delay(int attempts, TimeSpan first, TimeSpan longest, double jitter)
    {
        var doubled = first.Ticks * Math.Pow(2, Math.Clamp(attempts - 1, 0, 62));
        var ceiling = TimeSpan.FromTicks((long)Math.Min(doubled, longest.Ticks));
        return ceiling * (0.5 + (Math.Clamp(jitter, 0, 1) / 2));
    }
}
