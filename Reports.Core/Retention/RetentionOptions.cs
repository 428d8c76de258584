using System.ComponentModel.DataAnnotations;

namespace Reports.Core.Retention;

/// <summary>How long report files are kept (<c>Reports:Retention</c>): per owner, else per report type, else the default.</summary>
public sealed class RetentionOptions
{
    public const string SectionName = "Reports:Retention";

    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00")]
    public TimeSpan Default { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Per report type, e.g. <c>Reports__Retention__ReportTypes__orders=30.00:00:00</c>.</summary>
    public Dictionary<string, TimeSpan> ReportTypes { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Per owner; wins over the report type.</summary>
    public Dictionary<string, TimeSpan> Owners { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How often the cleanup runs in each worker.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A blob no live job accounts for is deleted once it is this old (an attempt may still be writing a younger one).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan OrphanGrace { get; set; } = TimeSpan.FromHours(6);

    /// <summary>A finished (completed or cancelled) bulk replay, with its members, is deleted once it finished this long ago.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00")]
    public TimeSpan Replays { get; set; } = TimeSpan.FromDays(30);

    /// <summary>A schedule change (the history of a schedule, with its parameters, webhook URL and recipients) is deleted once this old.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00")]
    public TimeSpan ScheduleHistory { get; set; } = TimeSpan.FromDays(365);

    /// <summary>The whole history of a deleted schedule is deleted once the schedule was deleted this long ago.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "3650.00:00:00")]
    public TimeSpan DeletedScheduleHistory { get; set; } = TimeSpan.FromDays(30);

    public TimeSpan For(string owner, string reportType) =>
        Owners.TryGetValue(owner, out var byOwner) ? byOwner
        : ReportTypes.TryGetValue(reportType, out var byType) ? byType
        : Default;
}
