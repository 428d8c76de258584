using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Reports.LocalServers;

namespace Reports.Tests.AppHost;

/// <summary>
/// The whole application started from the AppHost with Aspire.Hosting.Testing, once for the collection: Redis, PostgreSQL
/// (the job store's database and the demo dataset's), MariaDB and Azurite as local processes under a throwaway data folder, migrate, the api and two worker replicas, on ports
/// Aspire allocates. The services' telemetry goes to a listener this fixture owns, nowhere else.
/// </summary>
public sealed class AspireApp : IAsyncLifetime, IDisposable
{
    /// <summary>Short leases and small pages, so a killed replica's job is taken over in seconds and lasts long enough to kill.</summary>
    private static readonly Dictionary<string, string> WorkerSettings = new()
    {
        ["Reports__Generation__PageSize"] = "100",
        ["Reports__Generation__BlockSizeBytes"] = "65536",
        ["Reports__Worker__Lease"] = "00:00:03",
        ["Reports__Worker__Heartbeat"] = "00:00:01",
        ["Reports__Worker__MaintenanceInterval"] = "00:00:00.500",
        ["Reports__Worker__RetryBaseDelay"] = "00:00:00.200",
    };

    private readonly TcpListener _telemetrySink = new(IPAddress.Loopback, 0);
    private DistributedApplication? _app;

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "reports-aspire-" + Guid.NewGuid().ToString("N")[..10]);

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The application has not started.");

    /// <summary>Every process the application ran, as resources.json listed them while it ran.</summary>
    public HashSet<int> SeenPids { get; } = [];

    public async Task InitializeAsync()
    {
        _telemetrySink.Start();
        var sink = ((IPEndPoint)_telemetrySink.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Reports_AppHost>(
            ["--processes", "--workers", "2", "--data-dir", DataDirectory, "--api-port", FreePort.Next().ToString(CultureInfo.InvariantCulture),
             $"--ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL=http://127.0.0.1:{sink}"],
            timeout.Token);
        // The resources' console output and Aspire's own information would flood the test log: warnings and errors only.
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        var worker = builder.CreateResourceBuilder<ProjectResource>("worker");
        foreach (var (name, value) in WorkerSettings)
        {
            worker.WithEnvironment(name, value);
        }

        _app = await builder.BuildAsync(timeout.Token);
        await _app.StartAsync(timeout.Token);
        foreach (var resource in (string[])["redis", "postgres", "reportsdb", "sales", "blobs", "sales-mariadb", "api"])
        {
            await _app.ResourceNotifications.WaitForResourceHealthyAsync(resource, timeout.Token);
        }
    }

    /// <summary>An HTTP client of the api with the development admin key the AppHost made in the data folder.</summary>
    public HttpClient CreateAdminClient()
    {
        var client = App.CreateHttpClient("api");
        var key = File.ReadAllText(Path.Combine(DataDirectory, "admin-key")).Trim();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    public IReadOnlyList<ResourceRecord> Resources()
    {
        var records = ResourcesFile.Read(Path.Combine(DataDirectory, ResourcesFile.FileName));
        foreach (var pid in records.Where(r => r.Name != ResourcesFile.AppHostName).Select(r => r.Pid).OfType<int>())
        {
            SeenPids.Add(pid);
        }

        return records;
    }

    /// <summary>The job store's database.</summary>
    public Task<NpgsqlDataSource> DatabaseAsync() => DatabaseAsync("reportsdb");

    /// <summary>A database of the application's PostgreSQL server, by its resource: <c>reportsdb</c> or <c>sales</c>.</summary>
    public async Task<NpgsqlDataSource> DatabaseAsync(string resource)
    {
        var connectionString = await App.GetConnectionStringAsync(resource);
        return NpgsqlDataSource.Create(connectionString!);
    }

    public async Task StopAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }

    public async Task DisposeAsync()
    {
        await StopAsync();
        _telemetrySink.Stop();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // PostgreSQL's files belong to the postgres user; a temp folder left behind is harmless.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    public void Dispose() => _telemetrySink.Dispose();

    /// <summary>The running resources' services, for the tests that drive commands.</summary>
    public T Service<T>() where T : notnull => App.Services.GetRequiredService<T>();
}

[CollectionDefinition(Name)]
public sealed class AspireAppGroup : ICollectionFixture<AspireApp>
{
    public const string Name = "Aspire application";
}
