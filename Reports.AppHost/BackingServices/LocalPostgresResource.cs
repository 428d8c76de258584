using Reports.LocalServers;

namespace Reports.AppHost.BackingServices;

/// <summary>A PostgreSQL cluster under the data folder, run by the local postmaster (as the postgres user when root).</summary>
internal sealed class LocalPostgresResource(string name, string program, string directory, string password)
    : ExecutableResource(name, program, directory), IResourceWithConnectionString
{
    public const string AdminDatabase = "postgres";

    public EndpointReference Endpoint => new(this, LocalServer.EndpointName);

    public ReferenceExpression ConnectionStringExpression => ConnectionStringFor(AdminDatabase);

    public ReferenceExpression ConnectionStringFor(string database) =>
        ReferenceExpression.Create(
            $"Host={LocalServer.Host};Port={Endpoint.Property(EndpointProperty.Port)};Username=postgres;Password={password};Database={database}");
}

/// <summary>A database of a <see cref="LocalPostgresResource"/>; made when the server is first ready.</summary>
internal sealed class LocalPostgresDatabaseResource(string name, string databaseName, LocalPostgresResource parent)
    : Resource(name), IResourceWithParent<LocalPostgresResource>, IResourceWithConnectionString
{
    public LocalPostgresResource Parent { get; } = parent;

    public string DatabaseName { get; } = databaseName;

    public ReferenceExpression ConnectionStringExpression => Parent.ConnectionStringFor(DatabaseName);
}
