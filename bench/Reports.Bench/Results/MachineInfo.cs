using System.Diagnostics;
using System.Text.Json.Nodes;
using Reports.Bench.Measurement;

namespace Reports.Bench.Results;

/// <summary>What the figures were measured on: CPU, cores, memory, kernel, runtime, commit, date and starting load.</summary>
internal static class MachineInfo
{
    public static JsonObject Collect(string repositoryRoot) => new()
    {
        ["date"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture),
        ["commit"] = Git(repositoryRoot, "rev-parse", "--short", "HEAD"),
        ["cpu"] = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim(),
        ["cores"] = Environment.ProcessorCount,
        ["memoryGiB"] = Math.Round(MemTotalKb() / 1024.0 / 1024.0, 1),
        ["kernel"] = File.ReadAllText("/proc/sys/kernel/osrelease").Trim(),
        ["dotnet"] = Environment.Version.ToString(),
        ["loadAverageAtStart"] = MachineLoad.LoadAverage(),
    };

    private static long MemTotalKb()
    {
        var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string? Git(string directory, params string[] args)
    {
        try
        {
            var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory };
            foreach (var arg in args)
            {
                start.ArgumentList.Add(arg);
            }

            using var git = Process.Start(start)!;
            var output = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
