using System.Globalization;
using System.Runtime.CompilerServices;
using Reports.AppHost.Processes;
using Reports.Tests.Integration;

namespace Reports.Tests.AppHost;

/// <summary>
/// The built Reports.AppHost run as a real process, as <c>./reports up</c> runs it, on a free API port and a throwaway
/// data folder; disposing it stops it and kills whatever it left, so a test that fails halfway leaks nothing.
/// </summary>
internal sealed class AppHostProcess : IAsyncDisposable
{
    private const string AdminKeyPrefix = "Admin API key: ";
    private readonly ChildProcess _process;
    private readonly StrongBox<string?> _adminKeyLine;

    private AppHostProcess(ChildProcess process, string dataDirectory, int apiPort, int dashboardPort, ServerOutput output, StrongBox<string?> adminKeyLine)
    {
        DashboardAddress = new(string.Create(CultureInfo.InvariantCulture, $"http://localhost:{dashboardPort}"));
        _process = process;
        _adminKeyLine = adminKeyLine;
        DataDirectory = dataDirectory;
        ApiPort = apiPort;
        Output = output;
    }

    public string DataDirectory { get; }

    public int ApiPort { get; }

    /// <summary>The developer dashboard, on a port of its own so a running <c>./reports up</c> is not in the way.</summary>
    public Uri DashboardAddress { get; }

    public Uri ApiAddress => new(string.Create(CultureInfo.InvariantCulture, $"http://localhost:{ApiPort}"));

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The AppHost's console (its own lines and every resource's), for failure messages.</summary>
    public ServerOutput Output { get; }

    /// <summary>
    /// Starts it in the temp folder with a relative <c>--data-dir</c>, as a person typing a short path would: every
    /// server must still find its folder (PostgreSQL runs with its own folder as working directory).
    /// </summary>
    public static AppHostProcess Start(int workers, IReadOnlyDictionary<string, string?> environment)
    {
        var folderName = "reports-apphost-e2e-" + Guid.NewGuid().ToString("N")[..12];
        var apiPort = TestPorts.OutsideEphemeralRange();
        var dashboardPort = TestPorts.OutsideEphemeralRange(apiPort);
        var dll = ProjectPaths.AssemblyPath(ToolPaths.RepositoryRoot, "Reports.AppHost", ProjectPaths.ConfigurationOf(AppContext.BaseDirectory));
        ServerOutput output = new();
        var keepLine = output.For("apphost");
        var adminKeyLine = new StrongBox<string?>();
        var process = ChildProcess.Start(
            "dotnet",
            [
                dll, "--workers", workers.ToString(CultureInfo.InvariantCulture),
                "--api-port", apiPort.ToString(CultureInfo.InvariantCulture),
                "--dashboard-port", dashboardPort.ToString(CultureInfo.InvariantCulture),
                "--data-dir", folderName,
            ],
            line =>
            {
                if (line.StartsWith(AdminKeyPrefix, StringComparison.Ordinal))
                {
                    adminKeyLine.Value = line; // printed once at start: the bounded output would lose it
                }

                keepLine(line);
            },
            workingDirectory: Path.GetTempPath(),
            environment: environment);
        return new AppHostProcess(process, Path.Combine(Path.GetTempPath(), folderName), apiPort, dashboardPort, output, adminKeyLine);
    }

    /// <summary>What resources.json says now (empty before its first write).</summary>
    public IReadOnlyList<ResourceRecord> Resources() => ResourcesFile.Read(Path.Combine(DataDirectory, ResourcesFile.FileName));

    public ResourceRecord? Resource(string name) => Resources().FirstOrDefault(r => r.Name == name);

    /// <summary>What the AppHost printed about its admin API key, e.g. <c>Admin API key: rpt_… (from /tmp/…/admin-key)</c>.</summary>
    public string? AdminKeyLine => _adminKeyLine.Value;

    /// <summary>The admin API key the AppHost made in Development and keeps in the data folder.</summary>
    public string? AdminKey()
    {
        try
        {
            return File.ReadAllText(Path.Combine(DataDirectory, "admin-key")).Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// The postmaster: the resource's pid is runuser's (PostgreSQL refuses root), so the server itself is read from the
    /// cluster's pid file, which exists only while it runs.
    /// </summary>
    public int? PostmasterPid()
    {
        try
        {
            var first = File.ReadLines(Path.Combine(DataDirectory, "postgres", "data", "postmaster.pid")).FirstOrDefault();
            return int.TryParse(first, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails with the AppHost's output when the deadline passes or the AppHost exits.</summary>
    public async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan deadline)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var until = DateTime.UtcNow + deadline;
        while (!await condition())
        {
            if (HasExited)
            {
                Assert.Fail($"The AppHost exited with code {await _process.Exited} before {what}.{Environment.NewLine}{Output}");
            }

            if (DateTime.UtcNow > until)
            {
                Assert.Fail($"Timed out after {deadline} waiting until {what}.{Environment.NewLine}{Output}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Sends <paramref name="signal"/> to the AppHost alone (as Ctrl+C or an orchestrator would) and returns its exit code.</summary>
    public async Task<int> StopAsync(int signal, TimeSpan deadline)
    {
        Signals.Send(Pid, signal);
        try
        {
            return await _process.Exited.WaitAsync(deadline);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"The AppHost did not exit within {deadline} of signal {signal}.{Environment.NewLine}{Output}");
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Read before stopping: both are gone once the AppHost has stopped cleanly.
        var postmaster = PostmasterPid();
        var marked = ProcessTable.WithEnvironment(OrphanReaper.MarkerVariable, Pid.ToString(CultureInfo.InvariantCulture)).ToList();
        await _process.DisposeAsync(); // SIGTERM, then the whole process tree is killed after 10 s

        // An AppHost that died (or was killed) first leaves its children running: stop what its resources.json still
        // lists as the next AppHost would, then kill whatever is left of what it started.
        await OrphanReaper.ReapAsync(DataDirectory, Output.For("cleanup"), CancellationToken.None);
        foreach (var pid in marked.Append(postmaster ?? 0).Where(pid => pid > 0 && ProcessTable.IsAlive(pid)))
        {
            Signals.Send(pid, Signals.SigKill);
        }

        try
        {
            // PostgreSQL's folder belongs to the postgres user only when the tests run as root, which can delete it.
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a temp folder left behind is harmless.
        }
    }
}
