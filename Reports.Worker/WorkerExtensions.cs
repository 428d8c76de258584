using Microsoft.Extensions.Options;
using Reports.Worker.Consuming;
using Reports.Worker.Maintenance;
using Reports.Worker.Webhooks;

namespace Reports.Worker;

public static class WorkerExtensions
{
    /// <summary>The worker's services: queue consumers, job runner, outbox relay and sweeper, webhook deliveries.</summary>
    public static IHostApplicationBuilder AddReportWorker(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WorkerOptions>()
            .Bind(builder.Configuration.GetSection(WorkerOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => o.Heartbeat < o.Lease, "Reports:Worker:Heartbeat must be shorter than Reports:Worker:Lease.")
            .Validate(o => o.ReadAheadWait < o.Lease, "Reports:Worker:ReadAheadWait must be shorter than Reports:Worker:Lease.")
            .Validate(o => o.RetryMaxDelay >= o.RetryBaseDelay, "Reports:Worker:RetryMaxDelay must not be shorter than Reports:Worker:RetryBaseDelay.")
            .Validate(o => o.Queues.Keys.All(Core.Queue.QueueNames.IsKnown),
                $"Reports:Worker:Queues may only name: {string.Join(", ", Core.Queue.QueueNames.All)}.")
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<WorkerOptions>, SourcePoolRoom>();
        builder.Services.AddHostedService<CatalogSourceCheck>(); // first: a definition the source refuses stops the start
        builder.Services.AddHostedService<StorageInitializer>();
        builder.Services.AddHostedService<BlockBufferReservation>();
        builder.Services.AddHostedService<PdfWarmUp>();
        builder.Services.AddSingleton<JobCommits>();
        builder.Services.AddSingleton<UnclaimedMessages>();
        builder.Services.AddSingleton<JobRunner>();
        builder.Services.AddSingleton<PartitionHelper>();
        builder.Services.AddSingleton<RunningJobs>();
        builder.Services.AddHostedService<CancelListener>();
        builder.Services.AddHostedService<QueueConsumer>();
        builder.Services.AddHostedService<MaintenanceService>();
        builder.Services.AddHostedService<RetentionService>();
        builder.Services.AddHostedService<Notifications.EmailSender>();
        Core.Telemetry.TelemetryServiceExtensions.AddQueueDepthGauges(builder.Services);
        builder.Services.AddWebhookHttpClient();
        builder.Services.AddSingleton<WebhookSender>();
        builder.Services.AddHostedService<WebhookDispatcher>();
        builder.Services.AddHostedService<Replays.ReplayRunner>();
        builder.Services.AddHostedService<Heartbeat.WorkerHeartbeat>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        return builder;
    }
}
