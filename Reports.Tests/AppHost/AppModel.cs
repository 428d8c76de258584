using Reports.AppHost.Hosting;

namespace Reports.Tests.AppHost;

/// <summary>The AppHost's topology (as Program.cs declares it) on a data folder of the test's own.</summary>
internal sealed class AppModel
{
    public AppModel(string dataDirectory, AppHostOptions? options = null)
    {
        Builder = DistributedApplication.CreateBuilder((options ?? new AppHostOptions()) with { DataDirectory = dataDirectory });
        Redis = Builder.AddRedis("redis");
        Postgres = Builder.AddPostgres("postgres");
        ReportsDb = Postgres.AddDatabase("reportsdb");
        Storage = Builder.AddAzureStorage("storage");
        Blobs = Storage.AddBlobs("blobs");
        Migrate = Builder.AddProject("migrate", "Reports.Worker", "migrate").WithReference(ReportsDb).WaitFor(ReportsDb);
        Api = Builder.AddProject("api", "Reports.Api")
            .WithReference(Redis).WaitFor(Redis)
            .WithReference(ReportsDb).WaitFor(ReportsDb)
            .WithReference(Blobs).WaitFor(Blobs)
            .WaitForCompletion(Migrate)
            .WithHttpEndpoint(port: Builder.Options.ApiPort);
        Worker = Builder.AddProject("worker", "Reports.Worker")
            .WithReplicas(Builder.Options.Workers)
            .WithWorkerRuntime()
            .WithReference(Redis).WithReference(ReportsDb).WithReference(Blobs)
            .WaitForCompletion(Migrate)
            .WithHttpEndpoint();
    }

    public DistributedApplicationBuilder Builder { get; }

    public IResourceBuilder<RedisResource> Redis { get; }

    public IResourceBuilder<PostgresServerResource> Postgres { get; }

    public IResourceBuilder<PostgresDatabaseResource> ReportsDb { get; }

    public IResourceBuilder<AzureStorageResource> Storage { get; }

    public IResourceBuilder<AzureBlobStorageResource> Blobs { get; }

    public IResourceBuilder<ProjectResource> Migrate { get; }

    public IResourceBuilder<ProjectResource> Api { get; }

    public IResourceBuilder<ProjectResource> Worker { get; }
}
