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
    /// Registers an <see cref="NpgsqlDataSource"/> from <c>ConnectionStrings:{name}</c>, like Aspire's AddNpgsqlDataSource.
    /// The engine runs the same few statements for every job, so they are prepared: PostgreSQL parses and plans each once
    /// per connection instead of at every call. A connection string that sets <c>Max Auto Prepare</c> (0 behind a pooler
    /// that cannot keep prepared statements) is left as it is.
    /// </summary>
    public static IHostApplicationBuilder AddNpgsqlDataSource(this IHostApplicationBuilder builder, string connectionName)
    {
        builder.Services.AddSingleton(sp =>
        {
            var connectionString = ConnectionStrings.Require(sp.GetRequiredService<IConfiguration>(), connectionName);
            var dataSource = new NpgsqlDataSourceBuilder(connectionString);
            if (!SetsMaxAutoPrepare(connectionString))
            {
                dataSource.ConnectionStringBuilder.MaxAutoPrepare = AutoPreparedStatements;
            }

            return dataSource.Build();
        });
        builder.Services.AddHealthChecks().AddCheck<PostgresHealthCheck>(connectionName, HealthStatus.Unhealthy, ["ready"]);
        return builder;
    }

    /// <summary>Whether the connection string itself names the setting, in any of its spellings.</summary>
    public static bool SetsMaxAutoPrepare(string connectionString) =>
        new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Any(key => string.Equals(key.Replace(" ", "", StringComparison.Ordinal), "MaxAutoPrepare", StringComparison.OrdinalIgnoreCase));

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
