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

    /// <summary>
    /// The next fire time after <paramref name="now"/> and at least <paramref name="minInterval"/> after
    /// <paramref name="lastFire"/>: however the schedule is created, changed or advanced, it never fires faster.
    /// </summary>
    public DateTimeOffset? NextFire(DateTimeOffset now, DateTimeOffset? lastFire, TimeSpan minInterval)
    {
        var floor = lastFire is { } fired ? fired + minInterval - TimeSpan.FromTicks(1) : now;
        return Next(floor > now ? floor : now);
    }

    /// <summary>Fire times in (from, to], at most <paramref name="limit"/>.</summary>
    public IReadOnlyList<DateTimeOffset> Between(DateTimeOffset from, DateTimeOffset to, int limit) =>
        [.. _expression.GetOccurrences(from, to, Zone, fromInclusive: false, toInclusive: true).Take(limit).Select(t => t.ToUniversalTime())];

    /// <summary>
    /// The latest fire time at or before <paramref name="now"/>, given <paramref name="due"/>, a fire time at or before it.
    /// A binary search over time: about 25 evaluations for a year of missed fire times every second, where walking them
    /// would take millions.
    /// </summary>
    public DateTimeOffset LatestUntil(DateTimeOffset due, DateTimeOffset now)
    {
        var latest = due;
        var bound = now; // the answer is in [latest, bound]
        while (Next(latest) is { } next && next <= bound)
        {
            latest = next;
            var middle = latest + ((bound - latest) / 2);
            if (Next(middle) is { } jump && jump <= bound)
            {
                latest = jump;
            }
            else
            {
                bound = middle; // nothing in (middle, bound]
            }
        }

        return latest;
    }

    /// <summary>
    /// The shortest time between two fire times when it is under <paramref name="minimum"/>, else null. Read from one
    /// day of the schedule in UTC as if it fired every day, the step from its last fire time to the next day's first
    /// included: the seconds, minutes and hours fields give every matching day the same times, so one day tells all.
    /// A daylight-saving shift may bring two fire times closer once; the scheduler never fires them closer than the minimum.
    /// </summary>
    public TimeSpan? IntervalUnder(TimeSpan minimum)
    {
        if (_expression.GetNextOccurrence(Reference, inclusive: true) is not { } first)
        {
            return null;
        }

        var dayEnd = first.Date.AddDays(1);
        var shortest = TimeSpan.MaxValue;
        var previous = first;
        while (shortest >= minimum && _expression.GetNextOccurrence(previous) is { } time && time < dayEnd)
        {
            shortest = Min(shortest, time - previous);
            previous = time;
        }

        shortest = Min(shortest, first.AddDays(1) - previous);
        return shortest < minimum ? shortest : null;
    }

    private static readonly DateTime Reference = new(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

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
