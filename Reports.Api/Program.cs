using Reports.Api;
using Reports.Api.Features.Account;
using Reports.Api.Features.Admin;
using Reports.Api.Features.Catalog;
using Reports.Api.Features.Ops;
using Reports.Api.Features.Notifications;
using Reports.Api.Features.Reports;
using Reports.Api.Features.Schedules;
using Reports.Api.Features.Webhooks;
using Reports.Core;
using Reports.Core.Scheduling;

var builder = WebApplication.CreateBuilder(args);

// Platform: telemetry, health, resilient clients, and the three backing services under Aspire's names.
builder.AddServiceDefaults();
builder.AddReportsClients();
builder.AddReportsCore();
builder.AddReportSources(healthChecks: false); // checked at start as in the workers; the API's readiness does not hang on a source

// API: problem details for every error, API keys, rate limits, OpenAPI.
builder.AddApiServices();
builder.AddReportsScheduler();
builder.AddScheduleHealth();
builder.AddOpsApi();

var app = builder.Build();
app.UseApiPipeline();
app.UseWebPages();
app.MapDefaultEndpoints();
app.MapApiDocumentation();
app.MapCatalogApi();
app.MapReportsApi();
app.MapSchedulesApi();
app.MapNotificationsApi();
app.MapWebhookDeliveriesApi();
app.MapAdminApi();
app.MapOpsApi();
app.MapAccountApi();
await app.RunAsync();
