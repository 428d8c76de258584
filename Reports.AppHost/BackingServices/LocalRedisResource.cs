using Reports.LocalServers;

namespace Reports.AppHost.BackingServices;

/// <summary>redis-server as a local process (no container engine): append-only file and no eviction, data in its folder.</summary>
internal sealed class LocalRedisResource(string name, string dataDirectory)
    : ExecutableResource(name, ToolPaths.RedisServer, dataDirectory), IResourceWithConnectionString
{
    public EndpointReference Endpoint => new(this, LocalServer.EndpointName);

    /// <summary>StackExchange.Redis form, as Aspire's Redis resource gives it.</summary>
    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{LocalServer.Host}:{Endpoint.Property(EndpointProperty.Port)}");
}
