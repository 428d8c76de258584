using System.Globalization;
using Azure.Storage.Blobs;
using Npgsql;
using Reports.Bench.Measurement;
using Reports.Bench.Results;
using Reports.Core;

namespace Reports.Bench.Harness;

/// <summary>A running system and the clients a scenario needs: its API, its job store, the dataset's database and its blob storage.</summary>
internal sealed class BenchSession : IAsyncDisposable
{
    public const string ReportsContainer = "reports";
    public const string FloorContainer = "bench-floor";

    /// <summary>The AppHost's whole tree in <see cref="ServerCpu"/>: DCP, the services and the servers it started.</summary>
    public const string AppHostTree = "apphost_tree";

    private BenchSession(BenchSettings settings, BenchReport report, SystemUnderTest system)
    {
        Settings = settings;
        Report = report;
        System = system;
        Api = new ReportsApiClient(system.ApiUrl, system.ApiKey);
        Database = NpgsqlDataSource.Create(system.Database);
        Sales = NpgsqlDataSource.Create(system.Sales);
        Blobs = new BlobServiceClient(system.Blobs, new BlobClientOptions(BlobClientOptions.ServiceVersion.V2025_11_05));
    }

    public BenchSettings Settings { get; }
    public BenchReport Report { get; }
    public SystemUnderTest System { get; }
    public ReportsApiClient Api { get; }
    public NpgsqlDataSource Database { get; }
    public NpgsqlDataSource Sales { get; }
    public BlobServiceClient Blobs { get; }

    public static async Task<BenchSession> StartAsync(BenchSettings settings, BenchReport report, int workers, bool withMariaDb, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Console.WriteLine($"[bench] starting the system with {workers} worker(s){(withMariaDb ? " and MariaDB" : "")}");
        var environment = new Dictionary<string, string>
        {
            // Quiet logs: the services' console output is a file the benchmark does not read.
            ["Logging__LogLevel__Default"] = "Warning",
            // One owner (the benchmark) floods the API on purpose: lift the per-owner rate limit and active-job quota.
            ["Reports__Api__CreatesPerMinute"] = "1000000",
            ["Reports__Api__MaxActiveJobsPerOwner"] = "1000000",
            // The no-op report type, to measure the engine's own cost per job (scenario 4).
            ["Reports__Catalog__Diagnostics"] = "true",
        };
        if (settings.PeerSlotsPerProcess != BenchSettings.DefaultSlots)
        {
            // --slots N: each worker runs N jobs at once on the interactive queue, as the peers do, each job reading in
            // one lane, with a source pool that holds a connection for each slot (and the health check), and the job
            // store's batches as large. (Two lanes a job would need twice the connections: the workers refused to start.)
            var slots = settings.PeerSlotsPerProcess.ToString(CultureInfo.InvariantCulture);
            var pool = (settings.PeerSlotsPerProcess + 8).ToString(CultureInfo.InvariantCulture);
            environment["Reports__Worker__Queues__reports"] = slots;
            environment["Reports__Generation__LanesPerJob"] = "1";
            environment["Reports__Sources__sales__MaxPoolSize"] = pool;
            environment["Reports__Worker__GroupCommitMaxBatch"] = slots;
        }

        var system = await SystemUnderTest.StartAsync(settings, workers, withMariaDb, environment, cancellationToken);
        var session = new BenchSession(settings, report, system);
        await session.Blobs.GetBlobContainerClient(FloorContainer).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        return session;
    }

    /// <summary>The process trees whose CPU a scenario reports: every worker, PostgreSQL, MariaDB where it runs, Azurite (and Redis, the API).</summary>
    public ProcessTreeCpu ServerCpu(bool withBench = false)
    {
        var roots = new Dictionary<string, int>
        {
            ["postgres"] = System.Pid("postgres"),
            ["azurite"] = System.Pid("blobs"),
            ["redis"] = System.Pid("redis"),
            ["api"] = System.Pid("api"),
        };
        if (System.SalesMariaDb is not null)
        {
            roots["mariadb"] = System.Pid(ResourceNames.SalesMariaDb);
        }

        foreach (var (pid, index) in System.WorkerPids.Select((pid, index) => (pid, index)))
        {
            roots[$"worker-{index.ToString(CultureInfo.InvariantCulture)}"] = pid;
        }

        roots[AppHostTree] = System.AppHostPid;
        if (withBench)
        {
            roots["bench"] = Environment.ProcessId;
        }

        return new ProcessTreeCpu(roots);
    }

    /// <summary>Deletes every file the scenarios made, so Azurite's store stays small across a long run.</summary>
    public async Task DeleteBlobsAsync(CancellationToken cancellationToken)
    {
        foreach (var name in new[] { ReportsContainer, FloorContainer })
        {
            var container = Blobs.GetBlobContainerClient(name);
            if (!await container.ExistsAsync(cancellationToken))
            {
                continue;
            }

            await foreach (var blob in container.GetBlobsAsync(cancellationToken: cancellationToken))
            {
                await container.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: cancellationToken);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        await Database.DisposeAsync();
        await Sales.DisposeAsync();
        await System.DisposeAsync();
    }
}
