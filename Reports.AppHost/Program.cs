using Reports.AppHost.Hosting;

// The topology of ARCHITECTURE.md §2 in .NET Aspire's vocabulary; the README shows the same with Aspire's packages.
var commandLine = CommandLine.Parse(args, Environment.GetEnvironmentVariables());
if (commandLine.Explain(Console.Out, Console.Error) is { } exitCode)
{
    return exitCode; // --help, or a bad argument: nothing is started
}

var builder = DistributedApplication.CreateBuilder(commandLine.Options!);

// In Development, an admin API key to start with: made once, kept in .data/admin-key, given to the api.
var environment = Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT");
if (environment is null or "Development")
{
    var (adminKey, source) = DevelopmentAdminKey.Ensure(builder.Options.DataDirectory);
    Console.WriteLine($"Admin API key: {adminKey} (from {source})");
}

Console.WriteLine($"Dashboard: {builder.Options.DashboardUrl}");

var redis = builder.AddRedis("redis");
var postgres = builder.AddPostgres("postgres");
var reportsdb = postgres.AddDatabase("reportsdb");
var blobs = builder.AddAzureStorage("storage").AddBlobs("blobs");

// One-shot: applies the migrations and seeds the dataset, then exits 0; nothing else touches the schema before it.
var migrate = builder.AddProject("migrate", "Reports.Worker", "migrate")
    .WithReference(reportsdb)
    .WaitFor(reportsdb);

builder.AddProject("api", "Reports.Api")
    .WithReference(redis).WaitFor(redis)
    .WithReference(reportsdb).WaitFor(reportsdb)
    .WithReference(blobs).WaitFor(blobs)
    .WaitForCompletion(migrate)
    .WithHttpEndpoint(port: builder.Options.ApiPort);

builder.AddProject("worker", "Reports.Worker")
    .WithReplicas(builder.Options.Workers)
    .WithWorkerRuntime()
    .WithReference(redis).WaitFor(redis)
    .WithReference(reportsdb).WaitFor(reportsdb)
    .WithReference(blobs).WaitFor(blobs)
    .WaitForCompletion(migrate)
    .WithHttpEndpoint(); // /health and /alive only, on a free loopback port per replica

using var shutdown = ShutdownSignals.Register(); // Ctrl+C and SIGTERM stop everything gracefully
return await builder.Build().RunAsync(shutdown.Token);
