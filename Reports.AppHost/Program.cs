using Reports.AppHost;
using Reports.Core;
using Reports.Hosting;

// The topology of ARCHITECTURE.md §2. Where no container engine answers, the backing services run as local processes
// under the same names (Reports.Hosting); a connection string given to the AppHost means "use that server".
var (settings, error) = AppHostSettings.Parse(args);
if (settings is null)
{
    await Console.Error.WriteLineAsync($"Reports.AppHost: {error}\n\n{AppHostSettings.Usage}");
    return 2;
}

if (settings.Help)
{
    Console.WriteLine(AppHostSettings.Usage);
    return 0;
}

var (dataLock, lockError) = DataDirectoryLock.Acquire(settings.DataDirectory);
using var dataDirectoryLock = dataLock;
if ((lockError ?? settings.BusyPortError(dashboard: ChildProcessReaper.InTheAppHostProcess)) is { } busy)
{
    await Console.Error.WriteLineAsync($"Reports.AppHost: {busy}");
    return 3;
}

var reaper = ChildProcessReaper.Start(); // Ctrl+C returns only once every process started below has exited
var builder = DistributedApplication.CreateBuilder(settings.AspireOptions());
var resourcesFile = ResourcesFileWriter.Register(builder, settings.DataDirectory);
CrashRestarts.Register(builder); // a crashed server or service starts again, as in production

// In Development, an admin API key to start with: made once, kept in the data folder, given to the api.
var adminKey = DevelopmentAdminKey.For(builder.Environment, settings.DataDirectory);

var redis = builder.AddReportsRedis(ResourceNames.Redis, settings.BackingServices);
// The job store, and the demo dataset in a database of its own on the same server (so the job store holds only jobs).
var (reportsdb, sales) = builder.AddReportsDatabases("postgres", ResourceNames.Database, ResourceNames.Sales, settings.BackingServices);
var blobs = builder.AddReportsBlobs(ResourceNames.Blobs, settings.BackingServices);
var salesMariaDb = settings.NoMariaDb ? null : builder.AddSalesMariaDb(ResourceNames.SalesMariaDb, settings.BackingServices);

// One-shot: applies the migrations and seeds the dataset (then copies it into MariaDB), then exits 0; nothing else
// touches the schema before it.
var migrate = builder.AddProject<Projects.Reports_Worker>("migrate")
    .WithArgs("migrate")
    .WithReportsSettings()
    .WithReference(reportsdb).WaitFor(reportsdb)
    .WithSales(sales)
    .WithReseedCommand();
if (salesMariaDb is not null)
{
    migrate.WithReference(salesMariaDb).WaitFor(salesMariaDb);
}

// Sign-in with an identity provider: the AppHost passes every Reports__* variable it was started with on to the
// services, e.g. Reports__Auth__Jwt__Authority=http://localhost:8080/realms/acme Reports__Auth__Jwt__Audience=reports-api
// Reports__Auth__Jwt__RequireHttpsMetadata=false (README, "Sign-in with an identity provider (JWT)").
builder.AddProject<Projects.Reports_Api>("api")
    .WithReportsSettings(signIn: true)
    .WithCatalog(withMariaDb: salesMariaDb is not null).WithSalesMariaDbSource(salesMariaDb)
    .WithAdminKey(adminKey)
    .WithReference(redis).WaitFor(redis)
    .WithReference(reportsdb).WaitFor(reportsdb)
    .WithSales(sales)
    .WithReference(blobs).WaitFor(blobs)
    .WaitForCompletion(migrate)
    .WithHttpEndpoint(port: settings.ApiPort, targetPort: settings.ApiPort, isProxied: false)
    .WithHttpHealthCheck("/health")
    .WithRestartOnCrash()
    .WithReplayDeadLettersCommand(adminKey);

builder.AddProject<Projects.Reports_Worker>("worker")
    .WithReplicas(settings.Workers)
    .WithReportsSettings()
    .WithCatalog(withMariaDb: salesMariaDb is not null).WithSalesMariaDbSource(salesMariaDb)
    .WithWorkerRuntime()
    .WithReference(redis).WaitFor(redis)
    .WithReference(reportsdb).WaitFor(reportsdb)
    .WithSales(sales)
    .WithReference(blobs).WaitFor(blobs)
    .WaitForCompletion(migrate)
    .WithHttpEndpoint() // /health and /alive only
    .WithHttpHealthCheck("/health")
    .WithRestartOnExit() // a replica that exits, even cleanly (SIGTERM, a scale-in), is replaced as a Deployment's pod is
    .WithKillCommand();

if (settings.NoDashboard)
{
    builder.WithoutTelemetryExport();
}

try
{
    await builder.Build().RunAsync();
}
finally
{
    reaper.Dispose();
    resourcesFile.MarkStopped(); // only now: until the reaper returns, processes were still stopping
}

return 0;
