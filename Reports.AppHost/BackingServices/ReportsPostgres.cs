using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Reports.LocalServers;

namespace Reports.AppHost.BackingServices;

/// <summary>
/// The PostgreSQL server and its two databases: the job store, and the demo sales dataset in a database of its own.
/// A given job store's connection string means that server and no server of our own: the dataset then lives in the
/// given <c>sales</c> database, or, with none given, in the job store (the services' fallback for the <c>sales</c> source).
/// </summary>
internal static class ReportsPostgres
{
    public static (IResourceBuilder<IResourceWithConnectionString> JobStore, IResourceBuilder<IResourceWithConnectionString>? Sales) AddReportsDatabases(
        this IDistributedApplicationBuilder builder, string serverName, string jobStoreName, string salesName, AppHostSettings settings)
    {
        var givenSales = BackingServices.IsGiven(builder, salesName) ? builder.AddConnectionString(salesName) : null;
        if (BackingServices.IsGiven(builder, jobStoreName))
        {
            return (builder.AddConnectionString(jobStoreName), givenSales);
        }

        var addDatabase = settings.UseContainers ? AddContainer(builder, serverName) : AddLocalServer(builder, serverName, settings);
        return (addDatabase(jobStoreName), givenSales ?? addDatabase(salesName));
    }

    /// <summary>The dataset's own database, when there is one: its connection string, and started before the project.</summary>
    public static IResourceBuilder<ProjectResource> WithSales(
        this IResourceBuilder<ProjectResource> project, IResourceBuilder<IResourceWithConnectionString>? sales) =>
        sales is null ? project : project.WithReference(sales).WaitFor(sales);

    private static Func<string, IResourceBuilder<IResourceWithConnectionString>> AddContainer(IDistributedApplicationBuilder builder, string serverName)
    {
        var server = builder.AddPostgres(serverName).WithDataVolume();
        return databaseName => server.AddDatabase(databaseName);
    }

    /// <summary>The local postmaster, made once; each database is created when the server is first ready.</summary>
    private static Func<string, IResourceBuilder<IResourceWithConnectionString>> AddLocalServer(
        IDistributedApplicationBuilder builder, string serverName, AppHostSettings settings)
    {
        var directory = settings.DataFolder(serverName);
        var password = PostgresServer.Prepare(directory);
        var (program, _) = PostgresServer.ServerCommand(directory, 0, durable: true);
        var server = builder.AddLocalServer(new LocalPostgresResource(serverName, program, directory, password), PostgresAnswersAsync(password))
            .WithArgs(context => BackingServices.AddAll(context.Args, PostgresServer.ServerCommand(
                directory, ((LocalPostgresResource)context.Resource).Endpoint.Property(EndpointProperty.TargetPort), durable: true).Arguments));
        if (!PostgresServer.IsInitialized(directory))
        {
            // initdb once, as a one-shot resource the server waits for; a kept cluster starts at once.
            var (initProgram, initArguments) = PostgresServer.InitCommand(directory);
            var init = builder.AddExecutable($"{serverName}-init", initProgram, directory).WithArgs([.. initArguments]).ExcludeFromManifest();
            server.WaitForCompletion(init);
        }

        return databaseName => AddLocalDatabase(builder, server.Resource, databaseName);
    }

    private static IResourceBuilder<IResourceWithConnectionString> AddLocalDatabase(
        IDistributedApplicationBuilder builder, LocalPostgresResource server, string databaseName)
    {
        var database = new LocalPostgresDatabaseResource(databaseName, databaseName, server);
        builder.Eventing.Subscribe<ResourceReadyEvent>(server, async (ready, cancellationToken) =>
        {
            var connectionString = await server.ConnectionStringExpression.GetValueAsync(cancellationToken);
            await PostgresServer.EnsureDatabaseAsync(connectionString!, databaseName, cancellationToken);
            await ready.Services.GetRequiredService<ResourceNotificationService>()
                .PublishUpdateAsync(database, state => state with { State = KnownResourceStates.Running });
        });
        var healthCheck = $"{databaseName}_check";
        builder.Services.AddHealthChecks().AddAsyncCheck(healthCheck, async cancellationToken =>
        {
            var connectionString = await database.ConnectionStringExpression.GetValueAsync(cancellationToken);
            return await PostgresDatabases.AnswersAsync(connectionString!, cancellationToken);
        });
        return builder.AddResource(database)
            .WithInitialState(new CustomResourceSnapshot { ResourceType = "PostgresDatabase", State = KnownResourceStates.Waiting, Properties = [] })
            .WithHealthCheck(healthCheck)
            .ExcludeFromManifest();
    }

    private static Func<int, CancellationToken, Task<bool>> PostgresAnswersAsync(string password) =>
        async (port, cancellationToken) =>
            (await PostgresDatabases.AnswersAsync(
                PostgresServer.ConnectionStringFor(LocalServer.Host, port, password, LocalPostgresResource.AdminDatabase), cancellationToken))
            .Status == HealthStatus.Healthy;
}
