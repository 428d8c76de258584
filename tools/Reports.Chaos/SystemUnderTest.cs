using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Reports.LocalServers;

namespace Reports.Chaos;

/// <summary>The whole system, started through the built AppHost on loopback in a throwaway folder.</summary>
internal sealed class SystemUnderTest : IAsyncDisposable
{
    private readonly ChildProcess _appHost;

    private readonly string _adminKey;
    private readonly TextWriter _appHostLog;

    private SystemUnderTest(ChildProcess appHost, TextWriter appHostLog, string dataDirectory, int apiPort, string adminKey)
    {
        _appHost = appHost;
        _appHostLog = appHostLog;
        _adminKey = adminKey;
        DataDirectory = dataDirectory;
        Api = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://localhost:{apiPort}"));
    }

    /// <summary>The workers' lease: short, so that the long reports of the mix outlast it several times.</summary>
    public static TimeSpan Lease { get; } = TimeSpan.FromSeconds(3);

    public string DataDirectory { get; }

    /// <summary>Azurite's data folder (its <c>--location</c>), emptied by a storage wipe.</summary>
    public string StorageDirectory => Path.Combine(DataDirectory, "azurite");

    public Uri Api { get; }

    public static async Task<SystemUnderTest> StartAsync(int workers, TextWriter log, CancellationToken cancellationToken)
    {
        var name = "reports-chaos-" + Guid.NewGuid().ToString("N")[..10];
        var dataDirectory = Path.Combine(Path.GetTempPath(), name);

        // The AppHost's whole output (every service's log) goes to a file that outlives the data folder.
        var logPath = Path.Combine(Path.GetTempPath(), name + ".log");
        // Private: it holds the AppHost's output, the development admin key among it.
        var appHostLog = TextWriter.Synchronized(new StreamWriter(Reports.LocalServers.PrivateFile.Create(logPath)) { AutoFlush = true });
        log.WriteLine($"[chaos] the AppHost's output: {logPath}");
        var apiPort = FreePort.Next();
        var dll = ProjectPaths.AssemblyPath(ToolPaths.RepositoryRoot, "Reports.AppHost", ProjectPaths.ConfigurationOf(AppContext.BaseDirectory));
        // The run's own admin key: the AppHost hands it to the api whatever environment it runs in.
        var adminKey = "chaos-" + Guid.NewGuid().ToString("N");
        var environment = new Dictionary<string, string?>
        {
            ["Reports__Auth__BootstrapAdminKey"] = adminKey,
            ["Reports__Dataset__Orders"] = "400000", // enough rows that the long reports outlast the lease on an idle machine too
            // A short lease: killed and frozen workers' jobs are taken over in seconds, and the long reports of the mix run
            // for several leases (heartbeats, pending messages held). Many attempts, since crashes are frequent.
            ["Reports__Worker__Lease"] = Lease.ToString("c", CultureInfo.InvariantCulture),
            ["Reports__Worker__Heartbeat"] = "00:00:00.750",
            ["Reports__Worker__RetryBaseDelay"] = "00:00:01",
            // A report the faults failed many times (a long PDF meets every PostgreSQL crash) is tried again within the
            // minutes the run waits after its faults, rather than an hour later.
            ["Reports__Worker__RetryMaxDelay"] = "00:01:00",
            ["Reports__Generation__BlockSizeBytes"] = "262144",
            // The large CSVs of the mix (100,000+ rows) are cut into partitions that the workers draw from one another,
            // so kills, freezes, crashes and wipes also meet partitions held by helpers.
            ["Reports__Generation__PartitionMinRows"] = "50000",
            // The long PDFs of the mix (about 3,000 pages) in a dozen segments, drawn by the workers of the bulk queue.
            ["Reports__Pdf__PagesPerSegment"] = "250",
            ["Reports__Api__CreatesPerMinute"] = "100000",
            ["Reports__Api__MaxActiveJobsPerOwner"] = "100000",
            ["Reports__Catalog__orders__MaxAttempts"] = "50",
            ["Reports__Catalog__daily-sales__MaxAttempts"] = "50",
            ["Reports__Catalog__customer-statement__MaxAttempts"] = "50",
        };
        var process = ChildProcess.Start("dotnet",
            [dll, "--workers", workers.ToString(CultureInfo.InvariantCulture), "--api-port", apiPort.ToString(CultureInfo.InvariantCulture), "--data-dir", dataDirectory,
             "--dashboard-port", "0", // a free port: another AppHost on the machine may hold the default one
             "--no-mariadb"], // no report reads MariaDB yet: its server and copy would only take CPU from the run
            line =>
            {
                appHostLog.WriteLine(line);
                if (line.Contains("starting it again", StringComparison.Ordinal) || line.Contains("Reports.AppHost: killing process", StringComparison.Ordinal))
                {
                    log.WriteLine(line);
                }
            },
            environment: environment);
        var system = new SystemUnderTest(process, appHostLog, dataDirectory, apiPort, adminKey);
        using var http = new HttpClient();
        await Readiness.WaitAsync("the api", process, async ct => (await http.GetAsync(new Uri(system.Api, "/health"), ct)).IsSuccessStatusCode,
            TimeSpan.FromMinutes(3), cancellationToken);
        await Readiness.WaitAsync("the connection strings in resources.json", process, _ =>
        {
            system.BlobConnectionString = system.ConnectionString("blobs") ?? "";
            system.RedisConnectionString = system.ConnectionString("redis") ?? "";
            system.DatabaseConnectionString = system.ConnectionString("reportsdb") ?? "";
            return Task.FromResult(system.BlobConnectionString.Length > 0 && system.RedisConnectionString.Length > 0 && system.DatabaseConnectionString.Length > 0);
        }, TimeSpan.FromMinutes(1), cancellationToken);
        return system;
    }

    /// <summary>A client with a new user key, made with the run's admin key.</summary>
    public async Task<HttpClient> CreateUserClientAsync(CancellationToken cancellationToken)
    {
        using var admin = Client(_adminKey);
        var until = DateTime.UtcNow.AddMinutes(1);
        while (true)
        {
            using var response = await admin.PostAsJsonAsync(new Uri("/api/admin/api-keys", UriKind.Relative), new { owner = "chaos", name = "chaos run" }, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
                return Client(body.GetProperty("secret").GetString()!);
            }

            if (DateTime.UtcNow > until)
            {
                throw new InvalidOperationException($"Could not create an API key: {(int)response.StatusCode}");
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    public IReadOnlyList<ResourceRecord> Resources() => ResourcesFile.Read(Path.Combine(DataDirectory, ResourcesFile.FileName));

    /// <summary>The servers' connection strings, read once they run: their ports stay the same across restarts.</summary>
    public string BlobConnectionString { get; private set; } = "";

    public string RedisConnectionString { get; private set; } = "";

    public string DatabaseConnectionString { get; private set; } = "";

    /// <summary>The running worker replicas (one replica is named <c>worker</c>, several <c>worker-x7k2m9qd</c>, ...).</summary>
    public IReadOnlyList<ResourceRecord> Workers() =>
        [.. Resources().Where(r => (r.Name == "worker" || r.Name.StartsWith("worker-", StringComparison.Ordinal)) && r.Pid is not null)];

    /// <summary>The process of a worker id (<c>Reports:Worker:Id</c> defaults to host name and process id).</summary>
    public static int? PidOfWorkerId(string workerId) =>
        int.TryParse(workerId.AsSpan(workerId.LastIndexOf('-') + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;

    private string? ConnectionString(string resource) => Resources().FirstOrDefault(r => r.Name == resource)?.ConnectionString;

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

    public async ValueTask DisposeAsync()
    {
        await _appHost.StopAsync(TimeSpan.FromSeconds(90));
        await _appHostLog.DisposeAsync();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }

    private HttpClient Client(string key)
    {
        // Redirects are not followed: the download answer is a 302 to storage, which the client follows itself.
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = Api, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }
}
