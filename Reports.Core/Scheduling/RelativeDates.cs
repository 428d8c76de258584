using System.Globalization;
using System.Text.RegularExpressions;

namespace Reports.Core.Scheduling;

/// <summary>
/// Date parameters of a schedule may be relative to its fire time, in the schedule's time zone:
/// <c>today</c>, <c>yesterday</c>, <c>tomorrow</c>, or <c>&lt;±N&gt; &lt;day|week|month|year&gt;[s] [start|end]</c>, e.g.
/// <c>-1 month start</c> and <c>-1 month end</c> for the whole previous month, <c>-7 days</c>, <c>0 week start</c>
/// (this week's Monday). A plain <c>yyyy-MM-dd</c> stays as it is.
/// </summary>
public static partial class RelativeDates
{
    public static bool IsRelative(string value) => !DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

    /// <summary>The date <paramref name="expression"/> means on <paramref name="today"/>, or null when it is not an expression.</summary>
    public static DateOnly? Resolve(string expression, DateOnly today)
    {
        var text = expression.Trim().ToLowerInvariant();
        switch (text)
        {
            case "today": return today;
            case "yesterday": return today.AddDays(-1);
            case "tomorrow": return today.AddDays(1);
        }

        var match = Expression().Match(text);
        if (!match.Success || !int.TryParse(match.Groups["n"].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) || Math.Abs(n) > 1000)
        {
            return null;
        }

        var unit = match.Groups["unit"].Value;
        var edge = match.Groups["edge"].Value;
        var date = unit switch
        {
            "day" => today.AddDays(n),
            "week" => today.AddDays(7 * n),
            "month" => today.AddMonths(n),
            _ => today.AddYears(n),
        };
        return (unit, edge) switch
        {
            (_, "") or ("day", _) => date,
            ("week", "start") => date.AddDays(-(((int)date.DayOfWeek + 6) % 7)),
            ("week", _) => date.AddDays(6 - (((int)date.DayOfWeek + 6) % 7)),
            ("month", "start") => new DateOnly(date.Year, date.Month, 1),
            ("month", _) => new DateOnly(date.Year, date.Month, DateTime.DaysInMonth(date.Year, date.Month)),
            (_, "start") => new DateOnly(date.Year, 1, 1),
            _ => new DateOnly(date.Year, 12, 31),
        };
    }

    [GeneratedRegex(@"^(?<n>[+-]?\d{1,4})\s+(?<unit>day|week|month|year)s?(\s+(?<edge>start|end))?$")]
    private static partial Regex Expression();
}
