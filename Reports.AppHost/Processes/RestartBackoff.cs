namespace Reports.AppHost.Processes;

/// <summary>
/// Delays between restarts of a crashing process: doubling from <paramref name="initial"/> up to <paramref name="maximum"/>,
/// and back to <paramref name="initial"/> once a run has stayed up for <paramref name="resetAfter"/>.
/// </summary>
internal sealed class RestartBackoff(TimeSpan initial, TimeSpan maximum, TimeSpan resetAfter)
{
    private int _consecutiveFailures;

    /// <summary>1 s, 2 s, 4 s … capped at 30 s; reset after a minute up.</summary>
    public static RestartBackoff CreateDefault() => new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1));

    /// <summary>The delay before the next start, given how long the run that just ended stayed up.</summary>
    public TimeSpan Next(TimeSpan uptime)
    {
        if (uptime >= resetAfter)
        {
            _consecutiveFailures = 0;
        }

        var factor = Math.Pow(2, Math.Min(_consecutiveFailures, 30));
        _consecutiveFailures++;
        var delay = TimeSpan.FromTicks((long)Math.Min(initial.Ticks * factor, maximum.Ticks));
        return delay;
    }
}
