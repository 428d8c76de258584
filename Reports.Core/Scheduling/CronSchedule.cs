using Cronos;

namespace Reports.Core.Scheduling;

/// <summary>A cron expression (five fields, or six with seconds first) evaluated in an IANA time zone, DST included.</summary>
public sealed class CronSchedule
{
    private readonly CronExpression _expression;

    private CronSchedule(CronExpression expression, TimeZoneInfo zone)
    {
        _expression = expression;
        Zone = zone;
    }

    public TimeZoneInfo Zone { get; }

    /// <summary>Parses both parts, or explains which is wrong.</summary>
    public static (CronSchedule? Schedule, string? CronError, string? ZoneError) Parse(string? cron, string? timeZone)
    {
        CronExpression? expression = null;
        string? cronError = null;
        if (string.IsNullOrWhiteSpace(cron) || cron.Length > 200)
        {
            cronError = "Required: a cron expression of 5 fields (minute hour day month weekday) or 6 (with seconds first).";
        }
        else
        {
            try
            {
                var fields = cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
                expression = CronExpression.Parse(cron, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
            }
            catch (CronFormatException e)
            {
                cronError = $"Not a valid cron expression: {e.Message}";
            }
        }

        TimeZoneInfo? zone = null;
        string? zoneError = null;
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(string.IsNullOrWhiteSpace(timeZone) ? "UTC" : timeZone);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            zoneError = $"Unknown time zone '{timeZone}': use an IANA name such as Europe/Berlin or America/New_York.";
        }

        return expression is not null && zone is not null ? (new CronSchedule(expression, zone), null, null) : (null, cronError, zoneError);
    }

    /// <summary>The first fire time strictly after <paramref name="after"/>, in UTC (Cronos answers in the zone's offset).</summary>
    public DateTimeOffset? Next(DateTimeOffset after) => _expression.GetNextOccurrence(after, Zone)?.ToUniversalTime();

    /// <summary>Fire times in (from, to], at most <paramref name="limit"/>.</summary>
    public IReadOnlyList<DateTimeOffset> Between(DateTimeOffset from, DateTimeOffset to, int limit) =>
        [.. _expression.GetOccurrences(from, to, Zone, fromInclusive: false, toInclusive: true).Take(limit).Select(t => t.ToUniversalTime())];

    public IReadOnlyList<DateTimeOffset> NextTimes(DateTimeOffset after, int count)
    {
        var times = new List<DateTimeOffset>();
        for (var t = Next(after); t is not null && times.Count < count; t = Next(t.Value))
        {
            times.Add(t.Value);
        }

        return times;
    }

    /// <summary>The calendar date of an instant in this schedule's zone: what relative dates count from.</summary>
    public DateOnly LocalDate(DateTimeOffset instant) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, Zone).DateTime);
}
