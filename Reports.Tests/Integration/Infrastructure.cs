using Microsoft.Extensions.Logging;
using Npgsql;
using Reports.LocalServers;
using Reports.Core.Storage;

namespace Reports.Tests.Integration;

/// <summary>
/// Real redis-server, PostgreSQL and Azurite processes (and MariaDB on first use) on free loopback ports, started once per test
/// collection with Reports.LocalServers' launchers (the arguments the AppHost gives them too), in a throwaway folder that is deleted afterwards.
/// </summary>
public sealed class Infrastructure : IAsyncLifetime
{
    public const string Database = "reportsdb";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "reports-tests-" + Guid.NewGuid().ToString("N")[..12]);
    private RedisServer? _redis;
    private PostgresServer? _postgres;
    private AzuriteServer? _azurite;
    private readonly Lazy<Task<ReportsSystem>> _system;
    private readonly Lazy<Task<Browser.ApiProcess>> _apiProcess;

    public Infrastructure()
    {
        _system = new(StartSystemAsync);
        _apiProcess = new(StartApiProcessAsync);
        MariaDb = new LocalMariaDb(Path.Combine(_directory, "mariadb"), Output);
    }

    /// <summary>A MariaDB server, started on first use.</summary>
    public LocalMariaDb MariaDb { get; }

    /// <summary>Live progress streams one owner may hold on <see cref="ApiProcessAsync"/>'s API.</summary>
    public const int ApiProcessStreamsPerOwner = 2;

    /// <summary>Azurite keeps its data on disk, so it can be stopped and started again without losing files.</summary>
    public bool DurableBlobs { get; init; }

    public string RedisConnectionString => Started(_redis).ConnectionString;

    public string PostgresConnectionString => Started(_postgres).ConnectionStringFor(Database);

    public string BlobConnectionString => Started(_azurite).ConnectionString;

    /// <summary>A new, empty and migrated database on the same PostgreSQL server, for a test that must not share the collection's.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix)
    {
        var connectionString = await CreateEmptyDatabaseAsync(prefix);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        using var logs = LoggerFactory.Create(_ => { });
        await new Migrator(dataSource, logs.CreateLogger<Migrator>()).MigrateAsync(timeout.Token);
        return connectionString;
    }

    /// <summary>A new database on the same PostgreSQL server with nothing in it, not even the job store's schema.</summary>
    public async Task<string> CreateEmptyDatabaseAsync(string prefix)
    {
        var name = prefix + "_" + Guid.NewGuid().ToString("N")[..12];
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await Started(_postgres).EnsureDatabaseAsync(name, timeout.Token);
        return Started(_postgres).ConnectionStringFor(name);
    }

    /// <summary>The last lines each server printed, to explain a failure.</summary>
    public ServerOutput Output { get; } = new();

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var redis = RedisServer.StartAsync(Path.Combine(_directory, "redis"), FreePort.Next(), Output.For("redis"), timeout.Token);
        var postgres = PostgresServer.StartAsync(Path.Combine(_directory, "postgres"), FreePort.Next(), Output.For("postgres"), timeout.Token, durable: false);
        var azurite = AzuriteServer.StartAsync(AzuriteDirectory, FreePort.Next(), Output.For("azurite"), timeout.Token);
        _redis = await redis;
        _postgres = await postgres;
        _azurite = await azurite;
        await _postgres.EnsureDatabaseAsync(Database, timeout.Token);
    }

    /// <summary>Stops redis-server (SIGTERM: it flushes its append-only file), as an outage would.</summary>
    public async Task StopRedisAsync()
    {
        var redis = Started(_redis);
        await redis.StopAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>Starts redis-server again on the same port and folder; its append-only file brings back the streams.</summary>
    public async Task StartRedisAsync()
    {
        var stopped = Started(_redis);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        _redis = await RedisServer.StartAsync(Path.Combine(_directory, "redis"), stopped.Port, Output.For("redis"), timeout.Token);
    }

    /// <summary>Stops PostgreSQL (fast shutdown), as a restart or failover would.</summary>
    public async Task StopPostgresAsync() => await Started(_postgres).StopAsync(TimeSpan.FromSeconds(30));

    /// <summary>Starts PostgreSQL again on the same port and data folder.</summary>
    public async Task StartPostgresAsync()
    {
        var stopped = Started(_postgres);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        _postgres = await PostgresServer.StartAsync(Path.Combine(_directory, "postgres"), stopped.Port, Output.For("postgres"), timeout.Token, durable: false);
    }

    /// <summary>Stops Azurite, as a storage outage.</summary>
    public async Task StopBlobsAsync() => await Started(_azurite).StopAsync(TimeSpan.FromSeconds(10));

    /// <summary>Starts Azurite again on the same port (and, with <see cref="DurableBlobs"/>, the same data).</summary>
    public async Task StartBlobsAsync()
    {
        var stopped = Started(_azurite);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        _azurite = await AzuriteServer.StartAsync(AzuriteDirectory, stopped.Port, Output.For("azurite"), timeout.Token);
    }

    /// <summary>Restarts Azurite without its data, as a storage account that comes back empty: every blob and block is gone.</summary>
    public async Task WipeBlobsAsync()
    {
        await StopBlobsAsync();
        if (AzuriteDirectory is { } directory && Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        await StartBlobsAsync();
    }

    /// <summary>
    /// Freezes Azurite (SIGSTOP): connections are accepted and requests get no answer until <see cref="ResumeBlobs"/>,
    /// as a storage call hanging on the network would.
    /// </summary>
    public void PauseBlobs() => Signals.Send(Started(_azurite).Process.Id, SigStop);

    public void ResumeBlobs() => Signals.Send(Started(_azurite).Process.Id, SigCont);

    private const int SigStop = 19; // Linux
    private const int SigCont = 18;

    private string? AzuriteDirectory => DurableBlobs ? Path.Combine(_directory, "azurite") : null;

    /// <summary>The API and a worker on these servers, started on first use and shared by the collection.</summary>
    public Task<ReportsSystem> SystemAsync() => _system.Value;

    /// <summary>
    /// The built API as a process of its own on a loopback port, on these servers, started on first use: for what only a
    /// real Kestrel shows (its own answers to bad requests, connections held open). The collection's in-process worker
    /// runs the reports it accepts.
    /// </summary>
    public Task<Browser.ApiProcess> ApiProcessAsync() => _apiProcess.Value;

    public async Task DisposeAsync()
    {
        if (_apiProcess.IsValueCreated && _apiProcess.Value.IsCompletedSuccessfully)
        {
            await (await _apiProcess.Value).DisposeAsync();
        }

        if (_system.IsValueCreated && _system.Value.IsCompletedSuccessfully)
        {
            await (await _system.Value).DisposeAsync();
        }

        var stops = new List<Task>();
        if (_redis is not null)
        {
            stops.Add(_redis.DisposeAsync().AsTask());
        }

        if (_postgres is not null)
        {
            stops.Add(_postgres.DisposeAsync().AsTask());
        }

        if (_azurite is not null)
        {
            stops.Add(_azurite.DisposeAsync().AsTask());
        }

        stops.Add(MariaDb.DisposeAsync().AsTask());

        await Task.WhenAll(stops);
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder left behind is harmless.
        }
    }

    private async Task<ReportsSystem> StartSystemAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        return await ReportsSystem.StartAsync(this, timeout.Token);
    }

    private async Task<Browser.ApiProcess> StartApiProcessAsync()
    {
        await SystemAsync(); // the database migrated and seeded
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        return await Browser.ApiProcess.StartAsync(this, timeout.Token, new Dictionary<string, string>
        {
            ["Reports:Api:MaxEventStreamsPerOwner"] = ApiProcessStreamsPerOwner.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
    }

    private static T Started<T>(T? server) where T : class =>
        server ?? throw new InvalidOperationException("The infrastructure has not started.");
}
