using System.Globalization;

namespace Reports.Bench.Measurement;

/// <summary>The fields of <c>/proc/&lt;pid&gt;/stat</c> the benchmark needs: parent, and CPU time in clock ticks.</summary>
internal readonly record struct ProcStat(int Pid, int ParentPid, long UserTicks, long SystemTicks, long ChildUserTicks, long ChildSystemTicks)
{
    /// <summary>Own CPU plus that of exited children it has reaped: each process of a tree is counted exactly once.</summary>
    public long TreeTicks => UserTicks + SystemTicks + ChildUserTicks + ChildSystemTicks;

    /// <summary>
    /// Parses one <c>/proc/&lt;pid&gt;/stat</c> line. The command name (field 2) is in parentheses and may hold spaces
    /// and parentheses itself, so the fields are counted from the last ')'.
    /// </summary>
    public static ProcStat? Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var open = line.IndexOf('(', StringComparison.Ordinal);
        var close = line.LastIndexOf(')');
        if (open <= 0 || close < open
            || !int.TryParse(line.AsSpan(0, open).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            return null;
        }

        // After ')': state(3) ppid(4) pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime(14) stime cutime cstime(17)
        var fields = line[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 15)
        {
            return null;
        }

        static long Field(string[] fields, int number) => long.Parse(fields[number - 3], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        return new ProcStat(pid, (int)Field(fields, 4), Field(fields, 14), Field(fields, 15), Field(fields, 16), Field(fields, 17));
    }

    public static ProcStat? Read(int pid)
    {
        try
        {
            return Parse(File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // the process is gone
        }
    }

    /// <summary>Every live process, for walking a process tree.</summary>
    public static IReadOnlyList<ProcStat> ReadAll()
    {
        var all = new List<ProcStat>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Read(pid) is { } stat)
            {
                all.Add(stat);
            }
        }

        return all;
    }
}
