using System.Globalization;

namespace Reports.Core.Sources;

/// <summary>
/// How long one attempt has waited for query slots of its report's source, so a time limit that ran out while the
/// report waited for its source says so. Begun when the attempt starts; it flows with the attempt's async calls.
/// </summary>
public sealed class SlotWaitTime
{
    private static readonly AsyncLocal<SlotWaitTime?> Current = new();
    private long _ticks;

    public TimeSpan Total => TimeSpan.FromTicks(Interlocked.Read(ref _ticks));

    /// <summary>Counts the slot waits of the calling flow (and the calls it makes) from now on.</summary>
    public static SlotWaitTime Begin()
    {
        var waits = new SlotWaitTime();
        Current.Value = waits;
        return waits;
    }

    internal static void Add(TimeSpan wait)
    {
        if (Current.Value is { } waits)
        {
            Interlocked.Add(ref waits._ticks, wait.Ticks);
        }
    }

    /// <summary>A sentence for a timed-out job's error when it spent a noticeable part of its time waiting; else empty.</summary>
    public string Describe(string source) => Total < TimeSpan.FromSeconds(1)
        ? ""
        : string.Create(CultureInfo.InvariantCulture,
            $" It waited {Total:hh\\:mm\\:ss} of it for query slots of source '{source}', whose cap was reached: raise {SourceOptions.Section}:{source}:MaxConcurrentQueries, or run it when the source is less busy.");
}
