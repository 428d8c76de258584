using Reports.LocalServers;

namespace Reports.Hosting;

/// <summary>
/// The MariaDB server that holds a copy of the demo sales dataset (migrate copies it there after seeding PostgreSQL):
/// a given connection string means that server; else a container where an engine answers; else a local mariadbd with
/// its data under the data folder. Its connection string is the sales writer's (for migrate's copy); where the AppHost
/// runs the server, reports read with the reader account, which may only SELECT.
/// </summary>
public static class SalesMariaDb
{
    private const string Image = "docker.io/library/mariadb";
    private const string Tag = "11.4";
    private const int Port = 3306;

    public static IResourceBuilder<IResourceWithConnectionString> AddSalesMariaDb(
        this IDistributedApplicationBuilder builder, string name, BackingServiceOptions options) =>
        builder.AddBackingService(name, options, () => Container(builder, name, options.DataFolder(name)), () => Local(builder, name, options.DataFolder(name)));

    private static IResourceBuilder<ServerContainerResource> Container(IDistributedApplicationBuilder builder, string name, string directory)
    {
        // The image's entrypoint makes the database and the writer; the reader account is the local server's only.
        var accounts = MariaDbServer.Prepare(directory);
        var container = builder.AddResource(new ServerContainerResource(name, "tcp", endpoint => ReferenceExpression.Create(
                $"Server={endpoint.Property(EndpointProperty.Host)};Port={endpoint.Property(EndpointProperty.Port)};User ID={MariaDbServer.Writer};Password={accounts.WriterPassword};Database={MariaDbServer.Database}")))
            .WithImage(Image, Tag)
            .WithEnvironment("MARIADB_ROOT_PASSWORD", accounts.RootPassword)
            .WithEnvironment("MARIADB_DATABASE", MariaDbServer.Database)
            .WithEnvironment("MARIADB_USER", MariaDbServer.Writer)
            .WithEnvironment("MARIADB_PASSWORD", accounts.WriterPassword)
            .WithArgs("--character-set-server=utf8mb4", $"--collation-server={MariaDbServer.Collation}", "--default-time-zone=+00:00")
            .WithEndpoint(targetPort: Port, name: "tcp", scheme: "tcp");
        // Healthy once the writer signs in to the sales database (the container's port opens before the server answers).
        return container.WithVolume(VolumeNameGenerator.Generate(container, "data"), "/var/lib/mysql")
            .WithHealthCheck(builder.AddHealthCheck(name, async cancellationToken =>
                await MariaDbServer.CanConnectAsync((await container.Resource.ConnectionStringExpression.GetValueAsync(cancellationToken))!, cancellationToken)));
    }

    private static IResourceBuilder<LocalServerResource> Local(IDistributedApplicationBuilder builder, string name, string directory)
    {
        var accounts = MariaDbServer.Prepare(directory);
        ReferenceExpression Account(EndpointReferenceExpression port, string user, string password) => ReferenceExpression.Create(
            $"Server={LocalServerResource.Host};Port={port};User ID={user};Password={password};Database={MariaDbServer.Database}");
        var server = builder.AddLocalServer(name, MariaDbServer.ServerCommand(directory, 0, durable: true).Program, directory,
                port => MariaDbServer.ServerCommand(directory, port, durable: true).Arguments,
                port => Account(port, MariaDbServer.Writer, accounts.WriterPassword),
                (port, cancellationToken) => MariaDbServer.CanConnectAsync(
                    MariaDbServer.ConnectionStringFor(LocalServerResource.Host, port, MariaDbServer.Writer, accounts.WriterPassword), cancellationToken))
            .WithInitOnce(MariaDbServer.IsInitialized(directory), () => MariaDbServer.InitCommand(directory));
        return server.WithAnnotation(new ReaderConnection(server.Resource.ConnectionStringFor(port => Account(port, MariaDbServer.Reader, accounts.ReaderPassword))));
    }

    /// <summary>
    /// The MariaDB copy as the services' report source of the same name (kind MySql), read with the reader account where
    /// the AppHost runs the server.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithSalesMariaDbSource(
        this IResourceBuilder<ProjectResource> project, IResourceBuilder<IResourceWithConnectionString>? salesMariaDb)
    {
        if (salesMariaDb is null)
        {
            return project;
        }

        var name = salesMariaDb.Resource.Name;
        return project
            .WithEnvironment($"ConnectionStrings__{name}", salesMariaDb.Resource.TryGetLastAnnotation<ReaderConnection>(out var reader)
                ? reader.ConnectionString
                : salesMariaDb.Resource.ConnectionStringExpression)
            .WithEnvironment($"Reports__Sources__{name}__Kind", "MySql")
            .WaitFor(salesMariaDb);
    }

    private sealed record ReaderConnection(ReferenceExpression ConnectionString) : IResourceAnnotation;
}
