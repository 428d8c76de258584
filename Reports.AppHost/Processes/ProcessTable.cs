using System.Globalization;

namespace Reports.AppHost.Processes;

/// <summary>What /proc says about a pid: whether it runs, and its command line (to tell our processes from a reused pid).</summary>
internal static class ProcessTable
{
    /// <summary>The command line of a live process (arguments joined by spaces), or null when there is none (or a zombie).</summary>
    public static string? CommandLine(int pid)
    {
        try
        {
            var status = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            // Field 3 ("state") follows the parenthesised command name, which may itself contain spaces or parentheses.
            var state = status[(status.LastIndexOf(')') + 2)..].Split(' ')[0];
            if (state is "Z" or "X")
            {
                return null;
            }

            var commandLine = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline").Replace('\0', ' ').Trim();
            return commandLine.Length == 0 ? null : commandLine;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static bool IsAlive(int pid) => CommandLine(pid) is not null;

    /// <summary>Live processes whose environment has <paramref name="name"/>=<paramref name="value"/>.</summary>
    public static IEnumerable<int> WithEnvironment(string name, string value)
    {
        var entry = $"{name}={value}";
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            string environment;
            try
            {
                environment = File.ReadAllText(Path.Combine(directory, "environ"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            if (environment.Split('\0').Contains(entry, StringComparer.Ordinal) && IsAlive(pid))
            {
                yield return pid;
            }
        }
    }
}
