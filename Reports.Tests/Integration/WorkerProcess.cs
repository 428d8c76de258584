using System.Globalization;
using Reports.LocalServers;

namespace Reports.Tests.Integration;

/// <summary>A real Reports.Worker process (the built executable), so tests can kill it with SIGKILL or stop it with SIGTERM.</summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;

    /// <summary>Signal numbers on Linux: stop (freeze) a process where it stands, and let it go on.</summary>
    private const int SigStop = 19;
    private const int SigCont = 18;

    private WorkerProcess(ChildProcess process, string id, int port, ServerOutput output)
    {
        _process = process;
        Id = id;
        Port = port;
        Output = output;
    }

    public string Id { get; }

    public int Port { get; }

    public int Pid => _process.Id;

    public Task<int> Exited => _process.Exited;

    /// <summary>The last lines the worker printed.</summary>
    public ServerOutput Output { get; }

    public static async Task<WorkerProcess> StartAsync(Infrastructure infrastructure, string id, IReadOnlyDictionary<string, string>? settings = null)
    {
        var port = FreePort.Next();
        var dll = ProjectPaths.AssemblyPath(ToolPaths.RepositoryRoot, "Reports.Worker", ProjectPaths.ConfigurationOf(AppContext.BaseDirectory));
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = infrastructure.RedisConnectionString,
            ["ConnectionStrings__reportsdb"] = infrastructure.PostgresConnectionString,
            ["ConnectionStrings__blobs"] = infrastructure.BlobConnectionString,
            ["ASPNETCORE_URLS"] = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"),
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Logging__LogLevel__Default"] = "Information",
            ["Logging__LogLevel__Microsoft"] = "Warning",
            ["Logging__LogLevel__System"] = "Warning",
            ["Reports__Worker__Id"] = id,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        ServerOutput output = new();
        var process = ChildProcess.Start("dotnet", [dll], output.For(id), environment: environment);
        var worker = new WorkerProcess(process, id, port, output);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        using var http = new HttpClient();
        try
        {
            await Readiness.WaitAsync(id, process, async ct =>
                (await http.GetAsync(new Uri($"http://127.0.0.1:{port}/alive"), ct)).IsSuccessStatusCode, TimeSpan.FromMinutes(1), timeout.Token);
        }
        catch
        {
            // Never leave a worker behind to take the next test's jobs.
            await worker.DisposeAsync();
            throw;
        }

        return worker;
    }

    public void Kill() => Signals.Send(_process.Id, Signals.SigKill);

    /// <summary>SIGSTOP: the process stops where it stands (as in a long pause or a frozen VM), holding what it held.</summary>
    public void Freeze() => Signals.Send(_process.Id, SigStop);

    /// <summary>SIGCONT: a frozen process goes on from where it stopped, its timers long due.</summary>
    public void Resume() => Signals.Send(_process.Id, SigCont);

    /// <summary>SIGTERM, as an orchestrator stops a process; waits for it to exit.</summary>
    public Task StopAsync() => _process.StopAsync(TimeSpan.FromSeconds(60));

    public async ValueTask DisposeAsync() => await _process.DisposeAsync();
}
