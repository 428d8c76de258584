using System.ComponentModel.DataAnnotations;

namespace Reports.Core.Scheduling;

/// <summary>What one owner's schedules may do (<c>Reports:Schedules</c>).</summary>
public sealed class ScheduleLimits
{
    public const string SectionName = "Reports:Schedules";

    /// <summary>Closest two fire times of a schedule may be: a cron that fires more often is refused, and never fired faster.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MinInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Schedules one owner may have; creating one more is refused (409) until one is deleted.</summary>
    [Range(1, 100_000)]
    public int MaxPerOwner { get; set; } = 50;
}
