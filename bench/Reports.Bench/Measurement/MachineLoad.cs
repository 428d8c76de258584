using System.Globalization;
using System.Text.Json.Nodes;

namespace Reports.Bench.Measurement;

/// <summary>
/// How busy the whole machine was while a scenario ran (other engineers' test suites share these 2 cores): the load
/// average at the end, and the share of all cores that was busy, from <c>/proc/stat</c>.
/// </summary>
internal sealed class MachineLoad
{
    private readonly (long Busy, long Total) _start = ReadCpu();

    public JsonObject Stop()
    {
        var end = ReadCpu();
        var total = end.Total - _start.Total;
        return new JsonObject
        {
            ["cpuBusyPercent"] = total > 0 ? Math.Round(100.0 * (end.Busy - _start.Busy) / total, 1) : null,
            ["loadAverage1m"] = LoadAverage(),
        };
    }

    public static double? LoadAverage()
    {
        var text = File.ReadAllText("/proc/loadavg");
        return double.TryParse(text.Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var load) ? load : null;
    }

    /// <summary>Busy and total jiffies over all cores from the first line of <c>/proc/stat</c> (idle and iowait are not busy).</summary>
    public static (long Busy, long Total) ParseCpuLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        var total = fields.Sum();
        var idle = fields[3] + fields[4];
        return (total - idle, total);
    }

    private static (long Busy, long Total) ReadCpu() => ParseCpuLine(File.ReadLines("/proc/stat").First());
}
