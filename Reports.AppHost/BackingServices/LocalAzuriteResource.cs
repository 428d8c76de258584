using Reports.LocalServers;

namespace Reports.AppHost.BackingServices;

/// <summary>Azurite's blob service (npm) as a local process, its data in its folder.</summary>
internal sealed class LocalAzuriteResource(string name, string dataDirectory)
    : ExecutableResource(name, ToolPaths.AzuriteBlob, dataDirectory), IResourceWithConnectionString
{
    public EndpointReference Endpoint => new(this, LocalServer.EndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create(
            $"{AzuriteServer.ConnectionStringPrefix}BlobEndpoint=http://{LocalServer.Host}:{Endpoint.Property(EndpointProperty.Port)}/{AzuriteServer.AccountName};");
}
