using System.Globalization;

namespace Reports.Bench.Measurement;

/// <summary>Memory of a process from <c>/proc/&lt;pid&gt;/status</c>: resident set now (VmRSS) and its peak (VmHWM), in bytes.</summary>
internal readonly record struct ProcStatus(long RssBytes, long PeakRssBytes)
{
    public static ProcStatus? Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        long? rss = null, peak = null;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kilobytes(line);
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kilobytes(line);
            }
        }

        return rss is { } r && peak is { } p ? new ProcStatus(r, p) : null;
    }

    public static ProcStatus? Read(int pid)
    {
        try
        {
            return Parse(File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Resets VmHWM to the current RSS (<c>echo 5 &gt; clear_refs</c>, Linux 4.0+, needs the same user or root).</summary>
    public static bool TryResetPeak(int pid)
    {
        try
        {
            File.WriteAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    // "VmRSS:\t  123456 kB"
    private static long? Kilobytes(string line)
    {
        var value = line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        var space = value.IndexOf(' ', StringComparison.Ordinal);
        var number = space < 0 ? value : value[..space];
        return long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var kilobytes) ? kilobytes * 1024 : null;
    }
}
