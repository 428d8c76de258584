using Azure.Storage.Blobs;
using Reports.LocalServers;

namespace Reports.Hosting;

/// <summary>
/// Redis and blob storage (PostgreSQL: <see cref="ReportsPostgres"/>) by what the machine has: a connection string given
/// to the AppHost means that server; else Aspire's container resources where a container engine answers; else the same
/// names as local processes with their data under the data folder.
/// </summary>
public static class BackingServices
{
    private const string AzuriteImage = "mcr.microsoft.com/azure-storage/azurite";
    private const string AzuriteTag = "3.35.0";
    private const int AzuriteBlobPort = 10000;

    public static IResourceBuilder<IResourceWithConnectionString> AddReportsRedis(
        this IDistributedApplicationBuilder builder, string name, BackingServiceOptions options) =>
        builder.AddBackingService(name, options, () => RedisContainer(builder, name), () => LocalRedis(builder, name, options.DataFolder(name)));

    public static IResourceBuilder<IResourceWithConnectionString> AddReportsBlobs(
        this IDistributedApplicationBuilder builder, string name, BackingServiceOptions options) =>
        builder.AddBackingService(name, options, () => AzuriteContainer(builder, name), () => LocalAzurite(builder, name, options.DataFolder("azurite")));

    /// <summary>Aspire's Redis, set as the local server and production are (docs/configuration.md): every write in the append-only file, no eviction.</summary>
    private static IResourceBuilder<RedisResource> RedisContainer(IDistributedApplicationBuilder builder, string name) =>
        builder.AddRedis(name).WithDataVolume()
            .WithArgs(context =>
            {
                if (context.ExecutionContext.IsRunMode)
                {
                    LocalServer.AddAll(context.Args, ["--appendonly", "yes", "--maxmemory-policy", "noeviction"]);
                }
            });

    /// <summary>redis-server with a password (the machine may be shared), in the StackExchange.Redis form AddRedis gives.</summary>
    private static IResourceBuilder<LocalServerResource> LocalRedis(IDistributedApplicationBuilder builder, string name, string directory)
    {
        Directory.CreateDirectory(directory);
        var (password, configFile) = RedisServer.PreparePassword(directory);
        return builder.AddLocalServer(name, ToolPaths.RedisServer, directory, port => [configFile, .. RedisServer.Arguments(port, directory)],
            port => ReferenceExpression.Create($"{LocalServerResource.Host}:{port},password={password}"),
            (port, cancellationToken) => RedisServer.PingAsync(port, password, cancellationToken));
    }

    private static IResourceBuilder<ServerContainerResource> AzuriteContainer(IDistributedApplicationBuilder builder, string name)
    {
        var container = builder.AddResource(new ServerContainerResource(name, "blob", endpoint => ReferenceExpression.Create(
                $"{AzuriteServer.ConnectionStringPrefix}BlobEndpoint={endpoint.Property(EndpointProperty.Url)}/{AzuriteServer.AccountName};")))
            .WithImage(AzuriteImage, AzuriteTag)
            .WithArgs("azurite-blob", "--blobHost", "0.0.0.0", "--location", "/data", "--skipApiVersionCheck", "--loose", "--disableTelemetry")
            .WithHttpEndpoint(targetPort: AzuriteBlobPort, name: "blob");
        // Healthy once the blob service answers a request (DCP's proxy accepts connections before the container does).
        return container.WithVolume(VolumeNameGenerator.Generate(container, "data"), "/data")
            .WithHealthCheck(builder.AddHealthCheck(name, async cancellationToken =>
            {
                var blobs = new BlobServiceClient(await container.Resource.ConnectionStringExpression.GetValueAsync(cancellationToken));
                return (await blobs.GetPropertiesAsync(cancellationToken)).HasValue;
            }));
    }

    private static IResourceBuilder<LocalServerResource> LocalAzurite(IDistributedApplicationBuilder builder, string name, string directory) =>
        builder.AddLocalServer(name, ToolPaths.AzuriteBlob, directory, port => AzuriteServer.Arguments(port, directory),
            port => ReferenceExpression.Create(
                $"{AzuriteServer.ConnectionStringPrefix}BlobEndpoint=http://{LocalServerResource.Host}:{port}/{AzuriteServer.AccountName};"),
            FreePort.AcceptsAsync);
}
