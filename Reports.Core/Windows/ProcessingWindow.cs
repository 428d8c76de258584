using System.Globalization;

namespace Reports.Core.Windows;

/// <summary>
/// Hours of the day in a time zone during which a queue or a report type may start jobs, e.g.
/// <c>22:00-06:00 Europe/Berlin</c> (a range may cross midnight; several ranges may be given; UTC when no zone is).
/// Read by the local wall clock: on the day clocks go forward, a range that starts in the skipped hour opens when the
/// clocks have jumped; on the day they go back, the part of a range within the repeated hour is open in both passes.
/// </summary>
public sealed class ProcessingWindow
{
    private readonly IReadOnlyList<(TimeOnly Start, TimeOnly End)> _ranges;

    private ProcessingWindow(string name, IReadOnlyList<(TimeOnly Start, TimeOnly End)> ranges, TimeZoneInfo zone, string text)
    {
        Name = name;
        _ranges = ranges;
        Zone = zone;
        Text = text;
    }

    /// <summary>The queue or report type the window limits.</summary>
    public string Name { get; }

    public TimeZoneInfo Zone { get; }

    /// <summary>The window as configured.</summary>
    public string Text { get; }

    /// <summary>Parses <c>HH:mm-HH:mm</c> ranges separated by spaces or commas, and an optional IANA zone; or explains what is wrong.</summary>
    public static (ProcessingWindow? Window, string? Error) Parse(string name, string? text)
    {
        var tokens = (text ?? "").Split([' ', ',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var ranges = new List<(TimeOnly, TimeOnly)>();
        string? zoneName = null;
        foreach (var token in tokens)
        {
            var parts = token.Split('-');
            if (parts.Length == 2 && Time(parts[0]) is { } start && Time(parts[1]) is { } end)
            {
                if (start == end)
                {
                    return (null, $"'{token}' is empty: a range needs different start and end times (00:00-24:00 for the whole day).");
                }

                ranges.Add((start, end));
            }
            else if (zoneName is null && (token.Contains('/', StringComparison.Ordinal) || token is "UTC"))
            {
                zoneName = token;
            }
            else
            {
                return (null, $"'{token}' is neither a range HH:mm-HH:mm nor an IANA time zone.");
            }
        }

        if (ranges.Count == 0 || ranges.Count > 24)
        {
            return (null, "Give 1 to 24 ranges HH:mm-HH:mm, e.g. \"22:00-06:00 Europe/Berlin\".");
        }

        try
        {
            var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneName ?? "UTC");
            return (new ProcessingWindow(name, ranges, zone, string.Join(' ', tokens)), null);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return (null, $"Unknown time zone '{zoneName}': use an IANA name such as Europe/Berlin.");
        }
    }

    /// <summary>Whether the window is open at <paramref name="instant"/>: its local time of day is in one of the ranges.</summary>
    public bool IsOpen(DateTimeOffset instant)
    {
        var local = TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, Zone).DateTime);
        return _ranges.Any(r => r.Start < r.End ? local >= r.Start && local < r.End : local >= r.Start || local < r.End);
    }

    /// <summary>
    /// When the window next opens after <paramref name="instant"/> (the instant itself when open). Every range starts
    /// at least once in any three local days, so three are looked at.
    /// </summary>
    public DateTimeOffset OpensAt(DateTimeOffset instant)
    {
        if (IsOpen(instant))
        {
            return instant;
        }

        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, Zone).DateTime);
        var next = DateTimeOffset.MaxValue;
        for (var day = 0; day < 3; day++)
        {
            foreach (var (start, _) in _ranges)
            {
                foreach (var opens in Instants(today.AddDays(day).ToDateTime(start)))
                {
                    if (opens > instant && opens < next)
                    {
                        next = opens;
                    }
                }
            }
        }

        return next;
    }

    /// <summary>
    /// The instants a local wall-clock time happens: both when clocks go back and it happens twice, and the end of the
    /// gap when it falls in the hour skipped when clocks go forward (the first minute the window's clock shows after it).
    /// </summary>
    private IEnumerable<DateTimeOffset> Instants(DateTime local)
    {
        // Gaps in real zones are at most a few hours and start and end on a minute: a bounded walk finds the end.
        for (var minutes = 0; minutes < 24 * 60 && Zone.IsInvalidTime(local); minutes++)
        {
            local = local.AddMinutes(1);
        }

        var offsets = Zone.IsAmbiguousTime(local) ? Zone.GetAmbiguousTimeOffsets(local) : [Zone.GetUtcOffset(local)];
        return offsets.Select(offset => new DateTimeOffset(local, offset).ToUniversalTime());
    }

    private static TimeOnly? Time(string text) =>
        text == "24:00" ? TimeOnly.MaxValue
        : TimeOnly.TryParseExact(text, ["HH:mm", "H:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time) ? time : null;
}
