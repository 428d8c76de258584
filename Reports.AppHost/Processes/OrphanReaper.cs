using System.Globalization;

namespace Reports.AppHost.Processes;

/// <summary>
/// Stops what an AppHost killed with SIGKILL left running (its resources.json still lists live pids), services first,
/// then servers. A pid is only signalled when /proc shows one of our programs, so an unrelated process that reused
/// the pid is left alone.
/// </summary>
internal static class OrphanReaper
{
    private static readonly string[] ServerMarkers = ["redis-server", "postgres", "azurite"];
    private const string ServiceMarker = "Reports.";
    private const string AppHostMarker = "Reports.AppHost";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>Set in the AppHost's environment, so every process it starts carries the AppHost's pid.</summary>
    public const string MarkerVariable = "REPORTS_APPHOST_PID";

    /// <summary>Marks this AppHost's environment: the processes it starts from now on inherit <see cref="MarkerVariable"/>.</summary>
    public static void MarkChildren() =>
        Environment.SetEnvironmentVariable(MarkerVariable, Environment.ProcessId.ToString(CultureInfo.InvariantCulture));

    /// <summary>Returns why the AppHost must not start (another one is running on the same data), or null.</summary>
    public static async Task<string?> ReapAsync(string dataDirectory, Action<string> report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        var records = ResourcesFile.Read(Path.Combine(dataDirectory, ResourcesFile.FileName));
        var appHost = records.FirstOrDefault(r => r.Name == ResourcesFile.AppHostName);
        if (appHost?.Pid is { } appHostPid && appHostPid != Environment.ProcessId
            && ProcessTable.CommandLine(appHostPid)?.Contains(AppHostMarker, StringComparison.Ordinal) == true)
        {
            return $"another AppHost (pid {appHostPid}) is running with {dataDirectory}; stop it first.";
        }

        // The pids it listed, and every process that inherited its marker (one killed while starting had no pid listed yet).
        var pids = records.Where(r => r.Name != ResourcesFile.AppHostName && r.Pid is not null).Select(r => r.Pid!.Value)
            .Union(appHost?.Pid is { } previous ? ProcessTable.WithEnvironment(MarkerVariable, previous.ToString(CultureInfo.InvariantCulture)) : [])
            .ToList();
        var services = pids.Where(pid => Matches(pid, [ServiceMarker])).ToList();
        await StopAsync(services, Signals.SigTerm, report, cancellationToken);

        // The postmaster first, with SIGINT (fast shutdown); runuser above it then exits by itself.
        // Only a postmaster of this cluster: its command line names the cluster's folder.
        var postmasters = Directory.Exists(dataDirectory)
            ? Directory.GetDirectories(dataDirectory)
                .Select(directory => (Pid: PostmasterPid(directory), Cluster: Path.Combine(directory, "data")))
                .Where(p => p.Pid is { } pid && Matches(pid, [p.Cluster]))
                .Select(p => p.Pid!.Value)
                .ToList()
            : [];
        await StopAsync(postmasters, Signals.SigInt, report, cancellationToken);
        var servers = pids.Where(pid => Matches(pid, ServerMarkers)).ToList();
        await StopAsync(servers, Signals.SigTerm, report, cancellationToken);
        return null;
    }

    private static bool Matches(int pid, string[] markers) =>
        pid != Environment.ProcessId && ProcessTable.CommandLine(pid) is { } commandLine && markers.Any(m => commandLine.Contains(m, StringComparison.Ordinal));

    private static async Task StopAsync(List<int> pids, int signal, Action<string> report, CancellationToken cancellationToken)
    {
        foreach (var pid in pids)
        {
            report($"stopping pid {pid} left running by a previous AppHost: {ProcessTable.CommandLine(pid)}");
            Signals.Send(pid, signal);
        }

        var deadline = DateTime.UtcNow + Deadline;
        while (pids.Any(ProcessTable.IsAlive) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }

        foreach (var pid in pids.Where(ProcessTable.IsAlive))
        {
            report($"pid {pid} did not stop within {Deadline.TotalSeconds:0} s: killing it");
            Signals.Send(pid, Signals.SigKill);
        }
    }

    private static int? PostmasterPid(string serverDirectory)
    {
        try
        {
            var first = File.ReadLines(Path.Combine(serverDirectory, "data", "postmaster.pid")).FirstOrDefault();
            return int.TryParse(first, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
