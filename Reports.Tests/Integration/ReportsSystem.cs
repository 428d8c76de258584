using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;
using Npgsql;
using Reports.Core.Dataset;
using Reports.Core.Storage;

namespace Reports.Tests.Integration;

/// <summary>
/// The API and one worker, in-process, against the collection's real servers: the database migrated and seeded
/// with a small dataset (and copied into MariaDB, the <c>sales-mariadb</c> source), pages and blocks small enough that every report spans several of each.
/// </summary>
public sealed class ReportsSystem : IAsyncDisposable
{
    public const long Orders = 30_000;
    public const int PageSize = 5_000;
    public const int BlockSizeBytes = 256 * 1024;

    /// <summary>So small that every PDF of more than two pages is stitched from several Skia documents.</summary>
    public const int PdfPagesPerPart = 2;

    private readonly WebApplicationFactory<Reports.Api.ApiMarker> _api;
    private readonly WebApplicationFactory<Reports.Worker.WorkerOptions> _worker;

    private ReportsSystem(Infrastructure infrastructure, IReadOnlyDictionary<string, string> salesMariaDb)
    {
        Infrastructure = infrastructure;
        SalesMariaDb = salesMariaDb;
        _api = new WebApplicationFactory<Reports.Api.ApiMarker>().WithWebHostBuilder(b =>
        {
            TestSettings.Apply(b, infrastructure, "test-api");
            TestSettings.Apply(b, salesMariaDb);
        });
        _worker = new WebApplicationFactory<Reports.Worker.WorkerOptions>().WithWebHostBuilder(b =>
        {
            TestSettings.Apply(b, infrastructure, "test-worker");
            TestSettings.Apply(b, salesMariaDb);
        });
    }

    /// <summary>The settings that add the MariaDB source and its reports (<see cref="TestSettings.SalesMariaDb"/>).</summary>
    public IReadOnlyDictionary<string, string> SalesMariaDb { get; }

    public Infrastructure Infrastructure { get; }

    /// <summary>A client with a new user API key: an owner of its own.</summary>
    public Task<HttpClient> CreateClientAsync() => ApiClients.NewUserAsync(_api);

    public HttpClient CreateAdminClient() => ApiClients.Admin(_api);

    public Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Reports.Api.ApiMarker> Api => _api;

    public IServiceProvider WorkerServices => _worker.Services;

    public static async Task<ReportsSystem> StartAsync(Infrastructure infrastructure, CancellationToken cancellationToken)
    {
        await using (var dataSource = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString))
        {
            using var logs = LoggerFactory.Create(_ => { });
            await new Migrator(dataSource, logs.CreateLogger<Migrator>()).MigrateAsync(cancellationToken);
            await new SalesDataset(dataSource, logs.CreateLogger<SalesDataset>()).EnsureAsync(Orders, SalesDataset.DefaultSeed, cancellationToken);
        }

        // The MariaDB copy of the same dataset, read by the *-mariadb reports.
        var mariaDb = await infrastructure.MariaDb.SalesCopyAsync(infrastructure.PostgresConnectionString, cancellationToken);
        var system = new ReportsSystem(infrastructure, TestSettings.SalesMariaDb(mariaDb));
        _ = system._worker.Services; // starts the worker's hosted services
        _ = system._api.Services;
        return system;
    }

    public async ValueTask DisposeAsync()
    {
        await _api.DisposeAsync();
        await _worker.DisposeAsync();
    }
}
