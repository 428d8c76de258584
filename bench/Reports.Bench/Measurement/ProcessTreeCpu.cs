using System.Diagnostics;
using System.Globalization;

namespace Reports.Bench.Measurement;

/// <summary>
/// CPU seconds spent by named process trees (a root pid and all its descendants, e.g. PostgreSQL's postmaster and its
/// backends) between <see cref="Start"/> and <see cref="Stop"/>, from <c>/proc</c>.
/// </summary>
internal sealed class ProcessTreeCpu
{
    private static readonly Lazy<double> TicksPerSecond = new(ReadClockTicks);
    private readonly IReadOnlyDictionary<string, int> _roots;
    private Dictionary<string, long> _started = [];

    public ProcessTreeCpu(IReadOnlyDictionary<string, int> roots) => _roots = roots;

    public void Start() => Volatile.Write(ref _started, Snapshot());

    /// <summary>CPU seconds per tree since <see cref="Start"/>.</summary>
    public Dictionary<string, double> Stop()
    {
        // The start is read before the sample: a Start on another thread meanwhile (a peer's marker line arriving late)
        // must not make the interval negative.
        var started = Volatile.Read(ref _started);
        var now = Snapshot();
        return _roots.Keys.ToDictionary(name => name, name => (now[name] - started[name]) / TicksPerSecond.Value);
    }

    /// <summary>Total ticks of the tree under <paramref name="root"/>, given every live process.</summary>
    public static long TreeTicks(int root, IReadOnlyList<ProcStat> all)
    {
        ArgumentNullException.ThrowIfNull(all);
        var children = all.ToLookup(p => p.ParentPid);
        var byPid = all.ToDictionary(p => p.Pid);
        long total = 0;
        var pending = new Stack<int>([root]);
        var seen = new HashSet<int>();
        while (pending.Count > 0)
        {
            var pid = pending.Pop();
            if (!seen.Add(pid))
            {
                continue;
            }

            if (byPid.TryGetValue(pid, out var stat))
            {
                total += stat.TreeTicks;
            }

            foreach (var child in children[pid])
            {
                pending.Push(child.Pid);
            }
        }

        return total;
    }

    private Dictionary<string, long> Snapshot()
    {
        var all = ProcStat.ReadAll();
        return _roots.ToDictionary(root => root.Key, root => TreeTicks(root.Value, all));
    }

    private static double ReadClockTicks()
    {
        try
        {
            using var getconf = Process.Start(new ProcessStartInfo("getconf", "CLK_TCK") { RedirectStandardOutput = true })!;
            var text = getconf.StandardOutput.ReadToEnd().Trim();
            getconf.WaitForExit();
            return double.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) && ticks > 0 ? ticks : 100;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return 100; // USER_HZ on every mainstream Linux build
        }
    }
}
