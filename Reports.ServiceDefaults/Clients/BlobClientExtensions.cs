using Azure;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.Hosting;

public static class BlobClientExtensions
{
    /// <summary>
    /// Registers a <see cref="BlobServiceClient"/> from <c>ConnectionStrings:{name}</c> with a health check, as Aspire's
    /// blob integration would (it is not served here; its traces come from the Azure SDK's ActivitySources).
    /// </summary>
    public static IHostApplicationBuilder AddAzureBlobClient(this IHostApplicationBuilder builder, string connectionName)
    {
        builder.Services.AddSingleton(sp =>
        {
            var connectionString = sp.GetRequiredService<IConfiguration>().GetConnectionString(connectionName) is { Length: > 0 } given
                ? given
                : throw new InvalidOperationException(
                    $"Connection string '{connectionName}' is missing: set ConnectionStrings__{connectionName} (the AppHost sets it for the services it starts).");
            var options = new BlobClientOptions();
            options.Retry.MaxRetries = 3;
            options.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
            return new BlobServiceClient(connectionString, options);
        });
        builder.Services.AddHealthChecks().AddCheck<BlobHealthCheck>(connectionName, HealthStatus.Unhealthy, ["ready"]);
        return builder;
    }

    private sealed class BlobHealthCheck(BlobServiceClient blobs) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await blobs.GetPropertiesAsync(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception e) when (e is RequestFailedException or HttpRequestException or AggregateException)
            {
                return HealthCheckResult.Unhealthy("blob storage does not answer", e);
            }
        }
    }
}
