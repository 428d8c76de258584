using Azure;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.Hosting;

public static class BlobClientExtensions
{
    /// <summary>Registers a <see cref="BlobServiceClient"/> from <c>ConnectionStrings:{name}</c>, like Aspire's AddAzureBlobClient.</summary>
    public static IHostApplicationBuilder AddAzureBlobClient(this IHostApplicationBuilder builder, string connectionName)
    {
        builder.Services.AddSingleton(sp =>
        {
            var connectionString = ConnectionStrings.Require(sp.GetRequiredService<IConfiguration>(), connectionName);
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
