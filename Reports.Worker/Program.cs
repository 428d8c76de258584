using Reports.Core;
using Reports.Core.Scheduling;
using Reports.Worker;

// `Reports.Worker migrate` is the one-shot step that applies migrations and seeds the dataset, then exits.
if (args.FirstOrDefault() == "migrate")
{
    return await MigrateCommand.RunAsync(args[1..]);
}

// `Reports.Worker catalog check [PATH]` validates definition files (./reports catalog check), then exits.
if (args.FirstOrDefault() == "catalog")
{
    return await CatalogCommand.RunAsync(args[1..], Console.Out, Console.Error);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddReportsClients();
builder.AddReportsCore();
builder.AddReportSources(healthChecks: true);
builder.AddReportWorker();
builder.AddReportsScheduler();

var app = builder.Build();
app.MapDefaultEndpoints();
await app.RunAsync();
return 0;
