namespace Reports.Hosting;

/// <summary>
/// A server run as a local process where no container engine answers (redis-server, the postmaster, mariadbd, Azurite):
/// one TCP endpoint on loopback, its data in its working directory, and the connection string the services get through
/// WithReference, made from the endpoint's port.
/// </summary>
public sealed class LocalServerResource(string name, string program, string directory, Func<EndpointReferenceExpression, ReferenceExpression> connectionString)
    : ExecutableResource(name, program, directory), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";

    /// <summary>The servers listen on IPv4 loopback only; "localhost" could resolve to ::1 first.</summary>
    public const string Host = "127.0.0.1";

    public EndpointReference Endpoint => new(this, EndpointName);

    public ReferenceExpression ConnectionStringExpression => ConnectionStringFor(connectionString);

    /// <summary>Another connection string of this server (another database, another account) in the given form.</summary>
    public ReferenceExpression ConnectionStringFor(Func<EndpointReferenceExpression, ReferenceExpression> form)
    {
        ArgumentNullException.ThrowIfNull(form);
        return form(Endpoint.Property(EndpointProperty.Port));
    }
}

/// <summary>A database of a <see cref="LocalServerResource"/>, made when the server is first ready.</summary>
public sealed class LocalDatabaseResource(string name, LocalServerResource parent, ReferenceExpression connectionString)
    : Resource(name), IResourceWithParent<LocalServerResource>, IResourceWithConnectionString
{
    public LocalServerResource Parent { get; } = parent;

    public ReferenceExpression ConnectionStringExpression { get; } = connectionString;
}

/// <summary>A server as a container (where an engine answers), with the connection string the services read.</summary>
public sealed class ServerContainerResource(string name, string endpointName, Func<EndpointReference, ReferenceExpression> connectionString)
    : ContainerResource(name), IResourceWithConnectionString
{
    public ReferenceExpression ConnectionStringExpression => connectionString(new EndpointReference(this, endpointName));
}
