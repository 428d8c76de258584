using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Reports.Core.Catalog;
using Reports.Core.Generation;
using Reports.Core.Generation.Pdf;
using Reports.Core.Generation.Xlsx;
using Reports.Core.Queue;
using Reports.Core.Storage;
using Reports.Core.Storage.Blobs;

namespace Reports.Core;

public static class ReportsCoreExtensions
{
    /// <summary>
    /// Registers the job store, queues, catalog and generators. Expects an NpgsqlDataSource, an IConnectionMultiplexer
    /// and a BlobServiceClient (ServiceDefaults' AddNpgsqlDataSource, AddRedisClient and AddAzureBlobClient).
    /// </summary>
    public static IHostApplicationBuilder AddReportsCore(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<GenerationOptions>()
            .Bind(builder.Configuration.GetSection(GenerationOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<Webhooks.WebhookOptions>()
            .Bind(builder.Configuration.GetSection(Webhooks.WebhookOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<Jobs.JobQuotaOptions>()
            .Bind(builder.Configuration.GetSection(Jobs.JobQuotaOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<Scheduling.ScheduleLimits>()
            .Bind(builder.Configuration.GetSection(Scheduling.ScheduleLimits.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<Windows.ProcessingWindowOptions>()
            .Configure<IConfiguration>((options, configuration) =>
            {
                foreach (var window in configuration.GetSection(Windows.ProcessingWindowOptions.SectionName).GetChildren())
                {
                    options.Windows[window.Key] = window.Value ?? "";
                }
            })
            .ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<Windows.ProcessingWindowOptions>, Windows.ProcessingWindowValidation>();
        services.AddSingleton<Windows.ProcessingWindows>();
        services.AddSingleton(sp => CatalogOverrides.Load(sp.GetRequiredService<IConfiguration>()));
        // Built when the host starts, so a wrong definition file or catalog setting stops the start with errors naming them.
        services.AddOptions<CatalogCheck>().Configure<ReportCatalog>((_, _) => { }).ValidateOnStart();
        services.AddSingleton<JobStore>();
        services.AddSingleton<PartitionStore>();
        services.AddSingleton<Scheduling.ScheduleStore>();
        services.AddSingleton<Scheduling.Scheduler>();
        services.AddOptions<Retention.RetentionOptions>()
            .Bind(builder.Configuration.GetSection(Retention.RetentionOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<Retention.RetentionCleaner>();
        services.AddOptions<Notifications.EmailOptions>().Bind(builder.Configuration.GetSection(Notifications.EmailOptions.SectionName));
        services.AddSingleton<Notifications.NotificationStore>();
        services.AddSingleton<Access.ApiKeyStore>();
        services.AddSingleton<Access.OwnerSecrets>();
        services.AddSingleton<RedisJobStreams>();
        services.AddSingleton<OutboxRelay>();
        services.AddSingleton<PublishedOutboxRows>();
        services.AddHostedService<PublishedOutboxCleanup>();
        services.AddSingleton<JobSubmission>();
        services.AddSingleton<CancelSignals>();
        services.AddSingleton<RedisEpoch>();
        services.AddSingleton<JobEvents>();
        services.AddSingleton<WebhookDeliveryStore>();
        services.AddOptions<Replays.ReplayOptions>()
            .Bind(builder.Configuration.GetSection(Replays.ReplayOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<Replays.ReplayStore>();
        services.AddSingleton<Replays.ReplaySteps>();
        services.AddSingleton<Migrator>();
        services.AddSingleton(sp => new BlobReportFiles(
            sp.GetRequiredService<BlobServiceClient>().GetBlobContainerClient(BlobReportFiles.ContainerName)));
        services.AddSingleton<IReportFiles>(sp => sp.GetRequiredService<BlobReportFiles>());
        services.AddSingleton<BlockBuffers>();
        services.AddSingleton<RowReportGenerator>();
        services.AddSingleton<ParameterReferences>();
        services.AddOptions<PdfOptions>()
            .Bind(builder.Configuration.GetSection(PdfOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => PdfFont.IsUsable(o.FontPath),
                "Reports:Pdf:FontPath must name a readable TrueType font (install fonts-dejavu-core).")
            .ValidateOnStart();
        services.AddSingleton<PdfFont>();
        services.AddSingleton<PdfReportGenerator>();
        services.AddOptions<XlsxOptions>()
            .Bind(builder.Configuration.GetSection(XlsxOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<XlsxReportGenerator>();
        return builder;
    }
}
