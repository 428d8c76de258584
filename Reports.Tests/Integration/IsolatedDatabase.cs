using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Reports.Core.Storage;

namespace Reports.Tests.Integration;

/// <summary>
/// A database of its own on the collection's PostgreSQL, migrated: jobs written there are invisible to the collection's
/// running worker (whose claims find nothing), so they stay unfinished for as long as a test needs.
/// </summary>
public static class IsolatedDatabase
{
    public static async Task<string> CreateAsync(Infrastructure infrastructure)
    {
        var name = "isolated_" + Guid.NewGuid().ToString("N")[..12];
        await using (var server = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString))
        await using (var create = server.CreateCommand($"CREATE DATABASE {name}"))
        {
            await create.ExecuteNonQueryAsync();
        }

        var connectionString = new NpgsqlConnectionStringBuilder(infrastructure.PostgresConnectionString) { Database = name }.ConnectionString;
        await using var database = NpgsqlDataSource.Create(connectionString);
        await new Migrator(database, NullLogger<Migrator>.Instance).MigrateAsync(CancellationToken.None);
        return connectionString;
    }
}
