using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Npgsql;

namespace Reports.Bench.Peers.Hangfire;

/// <summary>
/// Hangfire.PostgreSql in a database of its own on the system's server (created when missing), its schema dropped and
/// made again on each run. Idle workers poll the queue every 50 ms instead of the default 15 s, so the figure is Hangfire's
/// cost per job, not its poll; its LISTEN/NOTIFY long polling measured slower here (a NOTIFY per enqueue), so it stays off.
/// </summary>
internal sealed class PostgresPeerStorage : IPeerStorage
{
    public const string Schema = "hangfire";
    private readonly string _connectionString;

    private PostgresPeerStorage(string connectionString)
    {
        _connectionString = connectionString;
        var options = new PostgreSqlStorageOptions
        {
            SchemaName = Schema,
            PrepareSchemaIfNecessary = true,
            QueuePollInterval = TimeSpan.FromMilliseconds(50),
            EnableLongPolling = false,
        };
        Jobs = new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, options, null), options);
    }

    public JobStorage Jobs { get; }

    public static async Task<PostgresPeerStorage> OpenEmptyAsync(string connectionString, CancellationToken cancellationToken)
    {
        await EnsureDatabaseAsync(connectionString, cancellationToken);
        await DropSchemaAsync(connectionString, cancellationToken);
        return new PostgresPeerStorage(connectionString);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools(); // Hangfire's pooled sessions would otherwise hold locks the DROP waits for
        await DropSchemaAsync(_connectionString, CancellationToken.None);
    }

    private static async Task EnsureDatabaseAsync(string connectionString, CancellationToken cancellationToken)
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        var maintenance = new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(maintenance.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection);
        exists.Parameters.AddWithValue(target.Database!);
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{target.Database!.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static async Task DropSchemaAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{Schema}\" CASCADE", connection);
        await drop.ExecuteNonQueryAsync(cancellationToken);
    }
}
