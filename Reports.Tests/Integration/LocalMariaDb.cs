using Microsoft.Extensions.Logging.Abstractions;
using MySqlConnector;
using Npgsql;
using Reports.Core.Dataset;
using Reports.LocalServers;

namespace Reports.Tests.Integration;

/// <summary>
/// The collection's MariaDB server (Reports.LocalServers' launcher, the arguments the AppHost gives it too), started on
/// first use so collections that never ask for it do not pay for it; kept in the collection's throwaway folder.
/// </summary>
public sealed class LocalMariaDb(string directory, ServerOutput output) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private MariaDbServer? _server;

    public async Task<MariaDbServer> ServerAsync()
    {
        await _gate.WaitAsync();
        try
        {
            return _server ??= await StartAsync(FreePort.Next());
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Kills mariadbd (SIGKILL, no shutdown), as a crash would, then starts it again on the same port and data.</summary>
    public async Task<MariaDbServer> KillAndRestartAsync()
    {
        var killed = await ServerAsync();
        await _gate.WaitAsync();
        try
        {
            killed.Process.Kill();
            await killed.Process.Exited.WaitAsync(TimeSpan.FromSeconds(10));
            await killed.Process.DisposeAsync();
            _server = await StartAsync(killed.Port);
            return _server;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// A new empty database of its own (with the sales database's collation) and a root connection string to it that may
    /// bulk-load, for a test that must not share the server's <c>sales</c> database.
    /// </summary>
    public async Task<string> CreateDatabaseAsync(string prefix)
    {
        var server = await ServerAsync();
        var name = prefix + "_" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = new MySqlConnection(server.RootConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new MySqlCommand($"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE {MariaDbSalesCopy.Collation}", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new MySqlConnectionStringBuilder(server.RootConnectionString)
        {
            Database = name,
            AllowLoadLocalInfile = true,
            DateTimeKind = MySqlDateTimeKind.Utc,
        }.ConnectionString;
    }

    /// <summary>
    /// The server's <c>sales</c> database holding a copy of the dataset seeded in <paramref name="postgresConnectionString"/>
    /// (copied as <c>migrate</c> copies it, again only when that dataset changed), and the connection string of the account
    /// reports read with.
    /// </summary>
    public async Task<string> SalesCopyAsync(string postgresConnectionString, CancellationToken cancellationToken)
    {
        var server = await ServerAsync();
        await using var postgres = NpgsqlDataSource.Create(postgresConnectionString);
        var writer = new MySqlConnectionStringBuilder(server.WriterConnectionString) { AllowLoadLocalInfile = true, DateTimeKind = MySqlDateTimeKind.Utc };
        await using var mariaDb = new MySqlDataSource(writer.ConnectionString);
        await new MariaDbSalesCopy(postgres, mariaDb, NullLogger<MariaDbSalesCopy>.Instance).EnsureAsync(cancellationToken);
        return server.ReaderConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _gate.Dispose();
    }

    private async Task<MariaDbServer> StartAsync(int port)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        return await MariaDbServer.StartAsync(directory, port, output.For("mariadb"), timeout.Token, durable: false);
    }
}
