using Npgsql;
using Reports.Core;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The services' clients under the AppHost's names, through Aspire's client integrations (health checks, traces and
/// metrics included; settings in their <c>Aspire:StackExchange:Redis</c> and <c>Aspire:Npgsql</c> sections), with the
/// tuning the engine needs; blobs through Azure.Storage.Blobs (Aspire's blob integration is not served here).
/// </summary>
public static class ReportsClients
{
    /// <summary>Statements prepared per connection once used a few times (Npgsql's automatic preparation).</summary>
    public const int AutoPreparedStatements = 64;

    public static IHostApplicationBuilder AddReportsClients(this IHostApplicationBuilder builder)
    {
        builder.AddRedisClient(ResourceNames.Redis, configureOptions: ConfigureRedis);
        builder.AddReportsDatabase();
        builder.AddAzureBlobClient(ResourceNames.Blobs);
        return builder;
    }

    /// <summary>The job store only (the one-shot migrate step).</summary>
    public static IHostApplicationBuilder AddReportsDatabase(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDataSource(ResourceNames.Database, configureDataSourceBuilder: ConfigureDataSource);
        return builder;
    }

    /// <summary>
    /// Keeps retrying in the background when Redis is down at start or restarts (the API must keep accepting jobs: the
    /// outbox publishes them later), with bounded waits for every call.
    /// </summary>
    public static void ConfigureRedis(ConfigurationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 5_000;
        options.SyncTimeout = 5_000;
        options.AsyncTimeout = 5_000;
    }

    /// <summary>
    /// The engine runs the same few statements for every job, each on a connection from the pool: they are prepared, so
    /// PostgreSQL parses and plans each once per connection instead of at every call; and a connection goes back to the
    /// pool as it is, without the seven statements that reset a session (the services keep no session state: no SET,
    /// LISTEN or temporary tables, and the migrator releases its advisory lock itself). A setting the connection string
    /// names (<c>Max Auto Prepare=0</c> behind a pooler that cannot keep prepared statements) is left as it is.
    /// </summary>
    public static void ConfigureDataSource(NpgsqlDataSourceBuilder dataSource)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        var given = dataSource.ConnectionString;
        if (!Names(given, "Max Auto Prepare"))
        {
            dataSource.ConnectionStringBuilder.MaxAutoPrepare = AutoPreparedStatements;
        }

        if (!Names(given, "No Reset On Close"))
        {
            dataSource.ConnectionStringBuilder.NoResetOnClose = true;
        }
    }

    /// <summary>Whether the connection string itself names <paramref name="keyword"/>, with or without its spaces.</summary>
    public static bool Names(string connectionString, string keyword) =>
        new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Any(key => string.Equals(key.Replace(" ", "", StringComparison.Ordinal), keyword.Replace(" ", "", StringComparison.Ordinal),
                StringComparison.OrdinalIgnoreCase));
}
