using Microsoft.Extensions.DependencyInjection;
using Reports.LocalServers;

namespace Reports.Hosting;

/// <summary>
/// The PostgreSQL server and its two databases: the job store, and the demo sales dataset in a database of its own.
/// A given job store's connection string means that server and no server of our own: the dataset then lives in the
/// given <c>sales</c> database, or, with none given, in the job store (the services' fallback for the <c>sales</c> source).
/// </summary>
public static class ReportsPostgres
{
    private const string AdminDatabase = "postgres";

    public static (IResourceBuilder<IResourceWithConnectionString> JobStore, IResourceBuilder<IResourceWithConnectionString>? Sales) AddReportsDatabases(
        this IDistributedApplicationBuilder builder, string serverName, string jobStoreName, string salesName, BackingServiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var givenSales = builder.IsGiven(salesName) ? builder.AddConnectionString(salesName) : null;
        if (builder.IsGiven(jobStoreName))
        {
            return (builder.AddConnectionString(jobStoreName), givenSales);
        }

        Func<string, IResourceBuilder<IResourceWithConnectionString>> addDatabase;
        if (options.Containers)
        {
            var container = builder.AddPostgres(serverName).WithDataVolume();
            addDatabase = name => container.AddDatabase(name);
        }
        else
        {
            var directory = options.DataFolder(serverName);
            var password = PostgresServer.Prepare(directory);
            var server = AddLocalServer(builder, serverName, directory, password);
            addDatabase = name => AddLocalDatabase(builder, server, name, server.ConnectionStringFor(port => ConnectionString(port, password, name)));
        }

        return (addDatabase(jobStoreName), givenSales ?? addDatabase(salesName));
    }

    /// <summary>The dataset's own database, when there is one: its connection string, and started before the project.</summary>
    public static IResourceBuilder<ProjectResource> WithSales(
        this IResourceBuilder<ProjectResource> project, IResourceBuilder<IResourceWithConnectionString>? sales) =>
        sales is null ? project : project.WithReference(sales).WaitFor(sales);

    /// <summary>The local postmaster (as the postgres user when root), its cluster initialised once.</summary>
    private static LocalServerResource AddLocalServer(IDistributedApplicationBuilder builder, string name, string directory, string password) =>
        builder.AddLocalServer(name, PostgresServer.ServerCommand(directory, 0, durable: true).Program, directory,
                port => PostgresServer.ServerCommand(directory, port, durable: true).Arguments,
                port => ConnectionString(port, password, AdminDatabase),
                (port, cancellationToken) => PostgresServer.CanConnectAsync(
                    PostgresServer.ConnectionStringFor(LocalServerResource.Host, port, password, AdminDatabase), cancellationToken))
            .WithInitOnce(PostgresServer.IsInitialized(directory), () => PostgresServer.InitCommand(directory))
            .Resource;

    private static ReferenceExpression ConnectionString(EndpointReferenceExpression port, string password, string database) =>
        ReferenceExpression.Create($"Host={LocalServerResource.Host};Port={port};Username=postgres;Password={password};Database={database}");

    /// <summary>A database of the local server, created when the server is first ready.</summary>
    private static IResourceBuilder<IResourceWithConnectionString> AddLocalDatabase(
        IDistributedApplicationBuilder builder, LocalServerResource server, string name, ReferenceExpression connectionString)
    {
        var database = new LocalDatabaseResource(name, server, connectionString);
        builder.Eventing.Subscribe<ResourceReadyEvent>(server, async (ready, cancellationToken) =>
        {
            await PostgresServer.EnsureDatabaseAsync((await server.ConnectionStringExpression.GetValueAsync(cancellationToken))!, name, cancellationToken);
            await ready.Services.GetRequiredService<ResourceNotificationService>()
                .PublishUpdateAsync(database, state => state with { State = KnownResourceStates.Running });
        });
        return builder.AddResource(database)
            .WithInitialState(new CustomResourceSnapshot { ResourceType = "PostgresDatabase", State = KnownResourceStates.Waiting, Properties = [] })
            .WithHealthCheck(builder.AddHealthCheck(name, async cancellationToken =>
                await PostgresServer.CanConnectAsync((await database.ConnectionStringExpression.GetValueAsync(cancellationToken))!, cancellationToken)))
            .ExcludeFromManifest();
    }
}
