using System.Diagnostics;
using System.Globalization;
using Reports.Core;
using Reports.LocalServers;

namespace Reports.Bench.Harness;

/// <summary>
/// The whole system started through the AppHost (Release build) on loopback, with its data under the benchmark's own
/// folder: Redis, PostgreSQL, Azurite, the migrate step (which seeds the dataset), the API and N workers, and, when asked,
/// MariaDB with the AppHost's copy of the dataset (the <c>sales-mariadb</c> source and the catalog's MariaDB reports). The
/// process ids and connection strings come from the AppHost's <c>resources.json</c>.
/// </summary>
internal sealed class SystemUnderTest : IAsyncDisposable
{
    private static readonly string[] Infrastructure = ["api", "redis", "postgres", "blobs"];
    private static readonly string[] InfrastructureWithMariaDb = [.. Infrastructure, ResourceNames.SalesMariaDb];
    private readonly Process _appHost;
    private readonly StreamWriter _log;

    private SystemUnderTest(Process appHost, StreamWriter log, IReadOnlyDictionary<string, ResourceRecord> resources, int workers, string apiKey)
    {
        _appHost = appHost;
        _log = log;
        Resources = resources;
        Workers = workers;
        ApiKey = apiKey;
    }

    public IReadOnlyDictionary<string, ResourceRecord> Resources { get; }

    public int Workers { get; }

    /// <summary>The AppHost, whose tree holds DCP, the Aspire dashboard (which receives every service's telemetry) and every process they start.</summary>
    public int AppHostPid => _appHost.Id;

    public string ApiKey { get; }

    public Uri ApiUrl => new(Resources["api"].Endpoint!);

    public string Database => Resources["reportsdb"].ConnectionString!;

    /// <summary>The demo dataset's own database (the AppHost makes one); the job store's when there is none.</summary>
    public string Sales => Resources.TryGetValue("sales", out var sales) ? sales.ConnectionString! : Database;

    public string Blobs => Resources["blobs"].ConnectionString!;

    public string Redis => Resources["redis"].ConnectionString!;

    /// <summary>MariaDB's copy of the dataset (the sales writer's connection string), when the system runs it.</summary>
    public string? SalesMariaDb => Resources.TryGetValue(ResourceNames.SalesMariaDb, out var mariaDb) ? mariaDb.ConnectionString : null;

    public int Pid(string resource) => Resources[resource].Pid ?? throw new InvalidOperationException($"{resource} has no pid.");

    public IEnumerable<int> WorkerPids => WorkerReplicas(Resources).Select(r => r.Pid ?? throw new InvalidOperationException($"{r.Name} has no pid."));

    /// <summary>The AppHost names one replica <c>worker</c>, and several by their instance (<c>worker-x7k2m9qd</c>, …).</summary>
    public static IEnumerable<ResourceRecord> WorkerReplicas(IReadOnlyDictionary<string, ResourceRecord> resources) =>
        resources.Values.Where(r => r.Name == "worker" || r.Name.StartsWith("worker-", StringComparison.Ordinal)).OrderBy(r => r.Name, StringComparer.Ordinal);

    public static async Task<SystemUnderTest> StartAsync(
        BenchSettings settings, int workers, bool withMariaDb, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(environment);
        Directory.CreateDirectory(settings.DataDirectory);
        var resourcesFile = Path.Combine(settings.DataDirectory, "resources.json");
        File.Delete(resourcesFile);
        var apiKey = "bench-" + Guid.NewGuid().ToString("N");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                settings.AppHostAssembly, "--workers", workers.ToString(CultureInfo.InvariantCulture),
                "--api-port", (settings.ApiPort > 0 ? settings.ApiPort : FreePort()).ToString(CultureInfo.InvariantCulture),
                "--data-dir", settings.DataDirectory,
                "--no-dashboard", // the product as it runs in production, without the developer's dashboard ingesting its telemetry
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = settings.RepositoryRoot,
        };
        if (!withMariaDb)
        {
            start.ArgumentList.Add("--no-mariadb"); // only scenario 1b reads MariaDB: elsewhere its server would only take memory and CPU
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Reports__Dataset__Orders"] = settings.DatasetOrders.ToString(CultureInfo.InvariantCulture);
        start.Environment["Reports__Auth__BootstrapAdminKey"] = apiKey; // used if the API authenticates; ignored otherwise
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var log = new StreamWriter(Path.Combine(settings.DataDirectory, "apphost.log"), append: true) { AutoFlush = true };
        await log.WriteLineAsync($"==== {DateTimeOffset.UtcNow:O} AppHost with {workers} workers".AsMemory(), cancellationToken);
        var appHost = Process.Start(start) ?? throw new InvalidOperationException("The AppHost did not start.");
        appHost.OutputDataReceived += (_, e) => Append(log, e.Data);
        appHost.ErrorDataReceived += (_, e) => Append(log, e.Data);
        appHost.BeginOutputReadLine();
        appHost.BeginErrorReadLine();

        try
        {
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < settings.StartTimeout)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (appHost.HasExited)
                {
                    throw new InvalidOperationException($"The AppHost exited with code {appHost.ExitCode}; see {settings.DataDirectory}/apphost.log.");
                }

                var resources = ResourcesFile.Read(resourcesFile).ToDictionary(r => r.Name);
                // Healthy too: a project's first Running notification may still carry its `dotnet run` launcher's pid.
                static bool Ready(ResourceRecord r) => r is { State: "Running", Pid: not null, Health: null or "Healthy" };
                if ((withMariaDb ? InfrastructureWithMariaDb : Infrastructure).All(name => resources.TryGetValue(name, out var r) && Ready(r))
                    && WorkerReplicas(resources).Count(Ready) == workers)
                {
                    return new SystemUnderTest(appHost, log, resources, workers, apiKey);
                }

                await Task.Delay(200, cancellationToken);
            }

            throw new TimeoutException($"The system did not start within {settings.StartTimeout}; see {settings.DataDirectory}/apphost.log.");
        }
        catch
        {
            // Never leave a system running behind the benchmark.
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(40));
            await StopAsync(appHost, stopping.Token);
            appHost.Dispose();
            await log.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(100));
        await StopAsync(_appHost, deadline.Token);
        _appHost.Dispose();
        await _log.DisposeAsync();
    }

    /// <summary>SIGTERM (graceful: the AppHost stops its children and waits for them), then a kill of the whole tree after a deadline.</summary>
    private static async Task StopAsync(Process appHost, CancellationToken cancellationToken)
    {
        if (appHost.HasExited)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", appHost.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(cancellationToken);
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(90));
        try
        {
            await appHost.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            appHost.Kill(entireProcessTree: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void Append(StreamWriter log, string? line)
    {
        if (line is not null)
        {
            lock (log)
            {
                log.WriteLine(line);
            }
        }
    }
}
