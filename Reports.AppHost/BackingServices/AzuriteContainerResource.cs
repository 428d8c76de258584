namespace Reports.AppHost.BackingServices;

/// <summary>Azurite's blob service as a container (where an engine runs), with the connection string the services read.</summary>
internal sealed class AzuriteContainerResource(string name) : ContainerResource(name), IResourceWithConnectionString
{
    public const string EndpointName = "blob";

    public EndpointReference Endpoint => new(this, EndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create(
            $"{Reports.LocalServers.AzuriteServer.ConnectionStringPrefix}BlobEndpoint={Endpoint.Property(EndpointProperty.Url)}/{Reports.LocalServers.AzuriteServer.AccountName};");
}
