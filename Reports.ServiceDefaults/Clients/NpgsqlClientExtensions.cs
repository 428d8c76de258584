using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Microsoft.Extensions.Hosting;

public static class NpgsqlClientExtensions
{
    /// <summary>Registers an <see cref="NpgsqlDataSource"/> from <c>ConnectionStrings:{name}</c>, like Aspire's AddNpgsqlDataSource.</summary>
    public static IHostApplicationBuilder AddNpgsqlDataSource(this IHostApplicationBuilder builder, string connectionName)
    {
        builder.Services.AddSingleton(sp =>
            new NpgsqlDataSourceBuilder(ConnectionStrings.Require(sp.GetRequiredService<IConfiguration>(), connectionName)).Build());
        builder.Services.AddHealthChecks().AddCheck<PostgresHealthCheck>(connectionName, HealthStatus.Unhealthy, ["ready"]);
        return builder;
    }

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
