using System.Globalization;

namespace Reports.LocalServers;

/// <summary>Reads the process tree from /proc (Linux).</summary>
public static class ProcessTree
{
    /// <summary>The live children of <paramref name="pid"/>.</summary>
    public static IReadOnlyList<int> Children(int pid) => ChildrenWhere(pid, state => state != 'Z');

    /// <summary>The children of <paramref name="pid"/> that have exited and wait to be reaped.</summary>
    public static IReadOnlyList<int> Zombies(int pid) => ChildrenWhere(pid, state => state == 'Z');

    /// <summary>Every live process under <paramref name="pid"/>, however deep (one pass over /proc).</summary>
    public static IReadOnlyList<int> Descendants(int pid)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var candidate in Pids())
        {
            if (Stat(candidate) is { } stat && stat.State != 'Z')
            {
                (children.TryGetValue(stat.ParentPid, out var list) ? list : children[stat.ParentPid] = []).Add(candidate);
            }
        }

        List<int> found = [];
        var next = new Queue<int>([pid]);
        while (next.TryDequeue(out var parent))
        {
            foreach (var child in children.GetValueOrDefault(parent) ?? [])
            {
                found.Add(child);
                next.Enqueue(child);
            }
        }

        return found;
    }

    private static IEnumerable<int> Pids()
    {
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(folder), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                yield return pid;
            }
        }
    }

    private static List<int> ChildrenWhere(int pid, Func<char, bool> state)
    {
        return [.. Pids().Where(candidate => Stat(candidate) is { } stat && stat.ParentPid == pid && state(stat.State))];
    }

    /// <summary>
    /// The program a launcher runs: Aspire starts each project through <c>dotnet run --no-build</c>, which runs the
    /// service as its only child; a process without children is itself the program.
    /// </summary>
    public static int Program(int pid) => Children(pid) is [var only] ? only : pid;

    /// <summary>A <c>dotnet run</c> launcher (whose service may not have started under it yet).</summary>
    public static bool IsLauncher(int pid) => CommandLine(pid) is [_, "run", ..];

    /// <summary>The arguments a process was started with (its program first); empty when it is gone.</summary>
    public static IReadOnlyList<string> CommandLine(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline");
            return text.Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>State and parent of a process, or null when it is gone.</summary>
    public static (char State, int ParentPid)? Stat(int pid)
    {
        try
        {
            // "pid (comm) S ppid ...": comm may hold spaces and parentheses, so read after the last ')'.
            var text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            return (fields[0][0], int.Parse(fields[1], CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
