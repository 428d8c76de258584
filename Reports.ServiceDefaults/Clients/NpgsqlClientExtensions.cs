using System.Data.Common;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Microsoft.Extensions.Hosting;

public static class NpgsqlClientExtensions
{
    /// <summary>Statements prepared per connection once used a few times (Npgsql's automatic preparation).</summary>
    public const int AutoPreparedStatements = 64;

    /// <summary>
    /// Registers an <see cref="NpgsqlDataSource"/> from <c>ConnectionStrings:{name}</c>, like Aspire's AddNpgsqlDataSource,
    /// tuned for the engine, which runs the same few statements for every job, each on a connection from the pool:
    /// they are prepared, so PostgreSQL parses and plans each once per connection instead of at every call; and a
    /// connection goes back to the pool as it is, without the seven statements that reset a session (the services keep
    /// no session state: no SET, LISTEN or temporary tables, and the migrator releases its advisory lock itself).
    /// A setting the connection string names (<c>Max Auto Prepare=0</c> behind a pooler that cannot keep prepared
    /// statements) is left as it is.
    /// </summary>
    public static IHostApplicationBuilder AddNpgsqlDataSource(this IHostApplicationBuilder builder, string connectionName)
    {
        builder.Services.AddSingleton(sp =>
        {
            var connectionString = ConnectionStrings.Require(sp.GetRequiredService<IConfiguration>(), connectionName);
            var dataSource = new NpgsqlDataSourceBuilder(connectionString);
            if (!Names(connectionString, "Max Auto Prepare"))
            {
                dataSource.ConnectionStringBuilder.MaxAutoPrepare = AutoPreparedStatements;
            }

            if (!Names(connectionString, "No Reset On Close"))
            {
                dataSource.ConnectionStringBuilder.NoResetOnClose = true;
            }

            return dataSource.Build();
        });
        builder.Services.AddHealthChecks().AddCheck<PostgresHealthCheck>(connectionName, HealthStatus.Unhealthy, ["ready"]);
        return builder;
    }

    /// <summary>Whether the connection string itself names <paramref name="keyword"/>, with or without its spaces.</summary>
    public static bool Names(string connectionString, string keyword) =>
        new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Any(key => string.Equals(key.Replace(" ", "", StringComparison.Ordinal), keyword.Replace(" ", "", StringComparison.Ordinal),
                StringComparison.OrdinalIgnoreCase));

    private sealed class PostgresHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await using var command = dataSource.CreateCommand("SELECT 1");
                await command.ExecuteScalarAsync(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy("postgres does not answer", e);
            }
        }
    }
}
