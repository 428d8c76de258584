using Reports.LocalServers;

namespace Reports.AppHost.BackingServices;

/// <summary>
/// A MariaDB server under the data folder, run by the local mariadbd; its connection string is the sales writer's (for
/// migrate's copy), and reports read with the reader account, which may only SELECT.
/// </summary>
internal sealed class LocalMariaDbResource(string name, string program, string directory, MariaDbAccounts accounts)
    : ExecutableResource(name, program, directory), IResourceWithConnectionString
{
    public EndpointReference Endpoint => new(this, LocalServer.EndpointName);

    public ReferenceExpression ConnectionStringExpression => ConnectionFor(MariaDbServer.Writer, accounts.WriterPassword);

    public ReferenceExpression ReaderConnectionStringExpression => ConnectionFor(MariaDbServer.Reader, accounts.ReaderPassword);

    private ReferenceExpression ConnectionFor(string user, string password) =>
        ReferenceExpression.Create(
            $"Server={LocalServer.Host};Port={Endpoint.Property(EndpointProperty.Port)};User ID={user};Password={password};Database={MariaDbServer.Database}");
}

/// <summary>MariaDB as a container (where an engine runs), with the sales writer's connection string.</summary>
internal sealed class MariaDbContainerResource(string name, string writerPassword) : ContainerResource(name), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";

    public EndpointReference Endpoint => new(this, EndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create(
            $"Server={Endpoint.Property(EndpointProperty.Host)};Port={Endpoint.Property(EndpointProperty.Port)};User ID={MariaDbServer.Writer};Password={writerPassword};Database={MariaDbServer.Database}");
}
