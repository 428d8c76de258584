using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MySqlConnector;
using Reports.LocalServers;

namespace Reports.AppHost.BackingServices;

/// <summary>
/// The MariaDB server that holds a copy of the demo sales dataset (migrate copies it there after seeding PostgreSQL):
/// a given connection string means that server; else a container where an engine answers; else a local mariadbd with
/// its data under the data folder.
/// </summary>
internal static class SalesMariaDb
{
    private const string Image = "docker.io/library/mariadb";
    private const string Tag = "11.4";
    private const int Port = 3306;

    public static IResourceBuilder<IResourceWithConnectionString> AddSalesMariaDb(
        this IDistributedApplicationBuilder builder, string name, AppHostSettings settings)
    {
        if (BackingServices.IsGiven(builder, name))
        {
            return builder.AddConnectionString(name);
        }

        var directory = settings.DataFolder(name);
        var accounts = MariaDbServer.Prepare(directory);
        if (settings.UseContainers)
        {
            // The image's entrypoint makes the database and the writer; the reader account is the local server's only.
            var container = builder.AddResource(new MariaDbContainerResource(name, accounts.WriterPassword))
                .WithImage(Image, Tag)
                .WithEnvironment("MARIADB_ROOT_PASSWORD", accounts.RootPassword)
                .WithEnvironment("MARIADB_DATABASE", MariaDbServer.Database)
                .WithEnvironment("MARIADB_USER", MariaDbServer.Writer)
                .WithEnvironment("MARIADB_PASSWORD", accounts.WriterPassword)
                .WithArgs("--character-set-server=utf8mb4", $"--collation-server={MariaDbServer.Collation}", "--default-time-zone=+00:00")
                .WithEndpoint(targetPort: Port, name: MariaDbContainerResource.EndpointName, scheme: "tcp");
            return container.WithVolume(VolumeNameGenerator.Generate(container, "data"), "/var/lib/mysql")
                .WithHealthCheck(AddAnswersCheck(builder, container.Resource));
        }

        var (program, _) = MariaDbServer.ServerCommand(directory, 0, durable: true);
        var server = builder.AddLocalServer(new LocalMariaDbResource(name, program, directory, accounts),
                (port, cancellationToken) => MariaDbServer.CanConnectAsync(
                    MariaDbServer.ConnectionStringFor(LocalServer.Host, port, MariaDbServer.Writer, accounts.WriterPassword), cancellationToken))
            .WithArgs(context => BackingServices.AddAll(context.Args, MariaDbServer.ServerCommand(
                directory, ((LocalMariaDbResource)context.Resource).Endpoint.Property(EndpointProperty.TargetPort), durable: true).Arguments));
        if (!MariaDbServer.IsInitialized(directory))
        {
            // mariadb-install-db once, as a one-shot resource the server waits for; a kept server starts at once.
            var (initProgram, initArguments) = MariaDbServer.InitCommand(directory);
            var init = builder.AddExecutable($"{name}-init", initProgram, directory).WithArgs([.. initArguments]).ExcludeFromManifest();
            server.WaitForCompletion(init);
        }

        return server;
    }

    /// <summary>
    /// The MariaDB copy as the services' report source of the same name (kind MySql), read with the reader account where
    /// the AppHost runs the server, and the catalog's MariaDB reports beside the others.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithSalesMariaDbSource(
        this IResourceBuilder<ProjectResource> project, IResourceBuilder<IResourceWithConnectionString>? salesMariaDb)
    {
        if (salesMariaDb is null)
        {
            return project.WithCatalog(withMariaDb: false);
        }

        var name = salesMariaDb.Resource.Name;
        var connection = salesMariaDb.Resource is LocalMariaDbResource local
            ? local.ReaderConnectionStringExpression
            : salesMariaDb.Resource.ConnectionStringExpression;
        return project.WithCatalog(withMariaDb: true)
            .WithEnvironment($"ConnectionStrings__{name}", connection)
            .WithEnvironment($"Reports__Sources__{name}__Kind", "MySql")
            .WaitFor(salesMariaDb);
    }

    /// <summary>Healthy once the writer signs in to the sales database (the container's port opens before the server answers).</summary>
    private static string AddAnswersCheck(IDistributedApplicationBuilder builder, MariaDbContainerResource resource)
    {
        var name = $"{resource.Name}_check";
        builder.Services.AddHealthChecks().AddAsyncCheck(name, async cancellationToken =>
        {
            try
            {
                var connectionString = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken);
                await MariaDbServer.CanConnectAsync(connectionString!, cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception e) when (e is MySqlException or TimeoutException or InvalidOperationException)
            {
                return HealthCheckResult.Unhealthy($"{resource.Name} does not answer", e);
            }
        });
        return name;
    }
}
