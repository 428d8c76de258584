using Reports.Core;
using Reports.Core.Scheduling;
using Reports.Worker;

// `Reports.Worker migrate` is the one-shot step that applies migrations and seeds the dataset, then exits.
if (args.FirstOrDefault() == "migrate")
{
    return await MigrateCommand.RunAsync(args[1..]);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddReportsClients();
builder.AddReportsCore();
builder.AddReportWorker();
builder.AddReportsScheduler();

var app = builder.Build();
app.MapDefaultEndpoints();
await app.RunAsync();
return 0;
