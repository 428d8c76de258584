using System.Data.Common;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.Hosting;

/// <summary>A data source answers a trivial query through its own pool (within the registration's timeout).</summary>
internal sealed class SourceHealthCheck(DbDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Anyone may read /health: the driver's message can name the account and host, so only its kind and code.
            return new HealthCheckResult(context.Registration.FailureStatus,
                $"The source does not answer ({e.GetType().Name}{((e as DbException)?.SqlState is { } state ? $" {state}" : "")}); its reports wait and retry.");
        }
    }
}
