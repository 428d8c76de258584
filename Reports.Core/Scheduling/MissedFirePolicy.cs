namespace Reports.Core.Scheduling;

/// <summary>
/// What a schedule does with fire times that passed while no scheduler ran: <c>fire-once</c> (default) makes one report
/// for the latest of them, <c>skip</c> makes none. Never a burst of one report per missed time.
/// </summary>
public static class MissedFirePolicy
{
    public const string FireOnce = "fire-once";
    public const string SkipMissed = "skip";

    /// <summary>A fire time this close to now is on time, not missed.</summary>
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(1);

    public static bool IsKnown(string policy) => policy is FireOnce or SkipMissed;

    /// <summary>The fire time to make a report for, out of those due (oldest first), or null for none.</summary>
    public static DateTimeOffset? Choose(string policy, IReadOnlyList<DateTimeOffset> due, DateTimeOffset now)
    {
        if (due.Count == 0)
        {
            return null;
        }

        var latest = due[^1];
        var onTime = now - latest <= Tolerance;
        return policy == SkipMissed && !onTime ? null : latest;
    }
}
