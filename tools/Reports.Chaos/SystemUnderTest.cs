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

    private SystemUnderTest(ChildProcess appHost, string dataDirectory, int apiPort)
    {
        _appHost = appHost;
        DataDirectory = dataDirectory;
        Api = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://localhost:{apiPort}"));
    }

    public string DataDirectory { get; }

    public Uri Api { get; }

    public static async Task<SystemUnderTest> StartAsync(int workers, TextWriter log, CancellationToken cancellationToken)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "reports-chaos-" + Guid.NewGuid().ToString("N")[..10]);
        var apiPort = FreePort.Next();
        var dll = ProjectPaths.AssemblyPath(ToolPaths.RepositoryRoot, "Reports.AppHost", ProjectPaths.ConfigurationOf(AppContext.BaseDirectory));
        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Reports__Dataset__Orders"] = "200000",
            // Short leases so killed workers' jobs are taken over in seconds; many attempts, since faults are frequent.
            ["Reports__Worker__Lease"] = "00:00:05",
            ["Reports__Worker__Heartbeat"] = "00:00:01",
            ["Reports__Worker__RetryBaseDelay"] = "00:00:01",
            ["Reports__Generation__BlockSizeBytes"] = "262144",
            ["Reports__Api__CreatesPerMinute"] = "100000",
            ["Reports__Api__MaxActiveJobsPerOwner"] = "100000",
            ["Reports__Catalog__orders__MaxAttempts"] = "50",
            ["Reports__Catalog__daily-sales__MaxAttempts"] = "50",
            ["Reports__Catalog__customer-statement__MaxAttempts"] = "50",
        };
        var process = ChildProcess.Start("dotnet",
            [dll, "--workers", workers.ToString(CultureInfo.InvariantCulture), "--api-port", apiPort.ToString(CultureInfo.InvariantCulture), "--data-dir", dataDirectory],
            line =>
            {
                if (line.Contains("starting it again", StringComparison.Ordinal))
                {
                    log.WriteLine(line);
                }
            },
            environment: environment);
        var system = new SystemUnderTest(process, dataDirectory, apiPort);
        using var http = new HttpClient();
        await Readiness.WaitAsync("the api", process, async ct => (await http.GetAsync(new Uri(system.Api, "/health"), ct)).IsSuccessStatusCode,
            TimeSpan.FromMinutes(3), cancellationToken);
        return system;
    }

    /// <summary>A client with a new user key, made with the admin key the AppHost keeps in its data folder.</summary>
    public async Task<HttpClient> CreateUserClientAsync(CancellationToken cancellationToken)
    {
        var adminKey = (await File.ReadAllTextAsync(Path.Combine(DataDirectory, "admin-key"), cancellationToken)).Trim();
        using var admin = Client(adminKey);
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

    public string BlobConnectionString =>
        Resources().FirstOrDefault(r => r.Name == "blobs")?.ConnectionString ?? throw new InvalidOperationException("No blob storage in resources.json.");

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
