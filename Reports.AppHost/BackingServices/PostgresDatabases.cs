using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Reports.LocalServers;

namespace Reports.AppHost.BackingServices;

/// <summary>The health of a local PostgreSQL server or one of its databases.</summary>
internal static class PostgresDatabases
{
    public static async Task<HealthCheckResult> AnswersAsync(string connectionString, CancellationToken cancellationToken)
    {
        try
        {
            await PostgresServer.CanConnectAsync(connectionString, cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("postgres does not answer", e);
        }
    }
}
