using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Reports.LocalServers;

namespace Reports.AppHost.BackingServices;

/// <summary>
/// Redis and blob storage (PostgreSQL: <see cref="ReportsPostgres"/>) by what the machine has: a connection string given
/// to the AppHost means that server; else Aspire's container resources where a container engine answers; else the same
/// names as local processes with their data under the data folder.
/// </summary>
internal static class BackingServices
{
    private const string AzuriteImage = "mcr.microsoft.com/azure-storage/azurite";
    private const string AzuriteTag = "3.35.0";
    private const int AzuriteBlobPort = 10000;

    public static IResourceBuilder<IResourceWithConnectionString> AddReportsRedis(
        this IDistributedApplicationBuilder builder, string name, AppHostSettings settings)
    {
        if (IsGiven(builder, name))
        {
            return builder.AddConnectionString(name);
        }

        if (settings.UseContainers)
        {
            // As the local server and production (docs/configuration.md): every write in the append-only file, no eviction.
            return builder.AddRedis(name).WithDataVolume()
                .WithArgs(context =>
                {
                    if (context.ExecutionContext.IsRunMode)
                    {
                        AddAll(context.Args, ["--appendonly", "yes", "--maxmemory-policy", "noeviction"]);
                    }
                });
        }

        var directory = settings.DataFolder(name);
        return builder.AddLocalServer(new LocalRedisResource(name, directory), RedisServer.PingAsync)
            .WithArgs(context => AddAll(context.Args, 
                RedisServer.Arguments(((LocalRedisResource)context.Resource).Endpoint.Property(EndpointProperty.TargetPort), directory)));
    }

    public static IResourceBuilder<IResourceWithConnectionString> AddReportsBlobs(
        this IDistributedApplicationBuilder builder, string name, AppHostSettings settings)
    {
        if (IsGiven(builder, name))
        {
            return builder.AddConnectionString(name);
        }

        if (settings.UseContainers)
        {
            var container = builder.AddResource(new AzuriteContainerResource(name))
                .WithImage(AzuriteImage, AzuriteTag)
                .WithArgs("azurite-blob", "--blobHost", "0.0.0.0", "--location", "/data", "--skipApiVersionCheck", "--loose", "--disableTelemetry")
                .WithHttpEndpoint(targetPort: AzuriteBlobPort, name: AzuriteContainerResource.EndpointName);
            return container.WithVolume(VolumeNameGenerator.Generate(container, "data"), "/data")
                .WithHealthCheck(AddBlobServiceCheck(builder, container.Resource));
        }

        var directory = settings.DataFolder("azurite");
        return builder.AddLocalServer(new LocalAzuriteResource(name, directory), FreePort.AcceptsAsync)
            .WithArgs(context => AddAll(context.Args, 
                AzuriteServer.Arguments(((LocalAzuriteResource)context.Resource).Endpoint.Property(EndpointProperty.TargetPort), directory)));
    }

    /// <summary>Healthy once the blob service answers a request (DCP's proxy accepts connections before the container does).</summary>
    private static string AddBlobServiceCheck(IDistributedApplicationBuilder builder, AzuriteContainerResource blobs)
    {
        var name = $"{blobs.Name}_check";
        builder.Services.AddHealthChecks().AddAsyncCheck(name, async cancellationToken =>
        {
            try
            {
                var connectionString = await blobs.ConnectionStringExpression.GetValueAsync(cancellationToken);
                await new Azure.Storage.Blobs.BlobServiceClient(connectionString).GetPropertiesAsync(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception e) when (e is Azure.RequestFailedException or HttpRequestException or InvalidOperationException)
            {
                return HealthCheckResult.Unhealthy($"{blobs.Name} does not answer", e);
            }
        });
        return name;
    }

    internal static void AddAll(IList<object> args, IEnumerable<object> values)
    {
        foreach (var value in values)
        {
            args.Add(value);
        }
    }

    internal static bool IsGiven(IDistributedApplicationBuilder builder, string name) =>
        !string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(name));
}
