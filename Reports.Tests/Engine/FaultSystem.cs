using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;
using Npgsql;
using Reports.Core.Dataset;
using Reports.Core.Storage;
using Reports.Tests.Integration;

namespace Reports.Tests.Engine;

/// <summary>
/// Servers of their own for tests that break them (stop Redis, kill workers), with the API in-process and workers as
/// real processes that each test starts. The dataset is large enough, and pages and blocks small enough, that a job
/// runs long enough to be interrupted in the middle.
/// </summary>
public sealed class FaultSystem : IAsyncLifetime
{
    public const long Orders = 200_000;

    /// <summary>Worker settings that make a report take many pages and blocks.</summary>
    public static readonly IReadOnlyDictionary<string, string> SlowWorker = new Dictionary<string, string>
    {
        ["Reports:Generation:PageSize"] = "100",
        ["Reports:Generation:PartitionPageSize"] = "100",
        ["Reports:Generation:BlockSizeBytes"] = "65536",
        ["Reports:Worker:Lease"] = "00:00:03",
        ["Reports:Worker:Heartbeat"] = "00:00:01",
        ["Reports:Worker:MaintenanceInterval"] = "00:00:00.500",
        ["Reports:Worker:IdlePoll"] = "00:00:00.200",
        ["Reports:Worker:RetryBaseDelay"] = "00:00:00.200",
    };

    private WebApplicationFactory<Reports.Api.ApiMarker>? _api;

    public Infrastructure Infrastructure { get; } = new() { DurableBlobs = true };

    public NpgsqlDataSource Database { get; private set; } = null!;

    /// <summary>The MariaDB copy of the dataset as the <c>sales-mariadb</c> source, given to the API and every worker.</summary>
    public IReadOnlyDictionary<string, string> SalesMariaDb { get; private set; } = new Dictionary<string, string>();

    public async Task InitializeAsync()
    {
        await Infrastructure.InitializeAsync();
        Database = NpgsqlDataSource.Create(Infrastructure.PostgresConnectionString);
        using var logs = LoggerFactory.Create(_ => { });
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await new Migrator(Database, logs.CreateLogger<Migrator>()).MigrateAsync(timeout.Token);
        await new SalesDataset(Database, logs.CreateLogger<SalesDataset>()).EnsureAsync(Orders, SalesDataset.DefaultSeed, timeout.Token);
        SalesMariaDb = TestSettings.SalesMariaDb(await Infrastructure.MariaDb.SalesCopyAsync(Infrastructure.PostgresConnectionString, timeout.Token));
        _api = new WebApplicationFactory<Reports.Api.ApiMarker>().WithWebHostBuilder(b =>
        {
            TestSettings.Apply(b, Infrastructure, "fault-api");
            TestSettings.Apply(b, SalesMariaDb);
            b.UseSetting("Reports:Catalog:Diagnostics", "true"); // the no-op report type (NoOpJobTests)
        });
        _ = _api.Services;
    }

    /// <summary>A client with a new user API key: an owner of its own.</summary>
    public Task<HttpClient> CreateClientAsync() => ApiClients.NewUserAsync(Api);

    public HttpClient CreateAdminClient() => ApiClients.Admin(Api);

    public IServiceProvider ApiServices => Api.Services;

    private WebApplicationFactory<Reports.Api.ApiMarker> Api => _api ?? throw new InvalidOperationException("Not started.");

    public Task<WorkerProcess> StartWorkerAsync(string id, IReadOnlyDictionary<string, string>? settings = null) =>
        WorkerProcess.StartAsync(Infrastructure, id, new Dictionary<string, string>(SalesMariaDb.Concat(settings ?? SlowWorker)));

    /// <summary>Drops this process's pooled PostgreSQL connections (after a restart killed them).</summary>
    public void ClearDatabasePools()
    {
        Database.Clear();
        Api.Services.GetRequiredService<NpgsqlDataSource>().Clear();
    }

    /// <summary>A column of the job's row, read straight from PostgreSQL.</summary>
    public async Task<T?> JobValueAsync<T>(string id, string column)
    {
        await using var command = Database.CreateCommand($"SELECT {column} FROM reports.jobs WHERE id = $1");
        command.Parameters.AddWithValue(Guid.Parse(id));
        var value = await command.ExecuteScalarAsync();
        return value is DBNull or null ? default : (T)value;
    }

    /// <summary>Blocks the report has staged: those of its checkpoint, or of its partitions when it is partitioned.</summary>
    public async Task<int> StagedBlocksAsync(string id)
    {
        var checkpoint = await JobValueAsync<string>(id, "checkpoint");
        var blocks = checkpoint is null ? 0 : System.Text.Json.JsonDocument.Parse(checkpoint).RootElement.GetProperty("Blocks").GetInt32();
        return blocks + (await PartitionsAsync(id)).Sum(p => p.Progress.Blocks);
    }

    /// <summary>The report's partitions as they stand (none when it is read whole).</summary>
    public async Task<IReadOnlyList<Reports.Core.Generation.Partitions.PartitionCheckpoint>> PartitionsAsync(string id) =>
        [.. (await new Reports.Core.Storage.PartitionStore(Database, TimeProvider.System).ReadAsync(Guid.Parse(id), CancellationToken.None)).Select(p => p.Partition)];

    /// <summary>Each partition of the report in one line (number, claim holder, finisher, blocks staged), for failure messages.</summary>
    public async Task<string> PartitionRowsAsync(string id) => string.Join("; ",
        (await new Reports.Core.Storage.PartitionStore(Database, TimeProvider.System).ReadAsync(Guid.Parse(id), CancellationToken.None))
            .Select(p => $"#{p.Number} held by {p.LeaseOwner}, finished by {p.FinishedBy}, {p.Partition.Progress.Blocks} blocks"));

    /// <summary>A column of the report's partition that matches <paramref name="where"/>, read straight from PostgreSQL.</summary>
    public async Task<T?> PartitionValueAsync<T>(string id, string column, string where)
    {
        await using var command = Database.CreateCommand($"SELECT {column} FROM reports.report_partitions WHERE job_id = $1 AND {where} LIMIT 1");
        command.Parameters.AddWithValue(Guid.Parse(id));
        var value = await command.ExecuteScalarAsync();
        return value is DBNull or null ? default : (T)value;
    }

    /// <summary>
    /// Requests a report that a worker of its own starts, then kills that worker (SIGKILL) once the report has staged
    /// <paramref name="blocks"/> blocks: the job is left running under a lease nobody renews. Returns the report's id.
    /// </summary>
    public async Task<string> KillWorkerMidReportAsync(
        HttpClient client, object request, string workerPrefix, int blocks = 5, IReadOnlyDictionary<string, string>? settings = null)
    {
        await using var doomed = await StartWorkerAsync(workerPrefix + Guid.NewGuid().ToString("N")[..6], settings);
        var id = (await ReportsClient.CreateAsync(client, request)).GetProperty("id").GetString()!;
        await EventuallyAsync(async () => await StagedBlocksAsync(id) >= blocks, $"the first worker has staged {blocks} blocks");
        doomed.Kill();
        await doomed.Exited;
        return id;
    }

    /// <summary>The SHA-256 of the report's file as downloaded through its signed link.</summary>
    public static async Task<string> DownloadHashAsync(HttpClient client, string id) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(await DownloadAsync(client, id)));

    /// <summary>The report's file, downloaded through its short-lived link.</summary>
    public static async Task<byte[]> DownloadAsync(HttpClient client, string id)
    {
        using var redirect = await client.GetAsync(new Uri($"/api/reports/{id}/download", UriKind.Relative));
        Assert.True(redirect.Headers.Location is not null, $"no download link: {(int)redirect.StatusCode}");
        using var storage = new HttpClient();
        return await storage.GetByteArrayAsync(redirect.Headers.Location);
    }

    /// <summary>Polls until <paramref name="condition"/> holds, or fails with <paramref name="what"/> after the deadline.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, TimeSpan? deadline = null)
    {
        var until = DateTime.UtcNow + (deadline ?? TimeSpan.FromMinutes(2));
        while (DateTime.UtcNow < until)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"Timed out waiting for: {what}");
    }

    public async Task DisposeAsync()
    {
        if (_api is not null)
        {
            await _api.DisposeAsync();
        }

        if (Database is not null)
        {
            await Database.DisposeAsync();
        }

        await Infrastructure.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class FaultGroup : ICollectionFixture<FaultSystem>
{
    public const string Name = "Faults";
}
