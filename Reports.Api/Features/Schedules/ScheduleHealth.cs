using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Reports.Core;
using Reports.Core.Scheduling;

namespace Reports.Api.Features.Schedules;

/// <summary>
/// Checks every schedule once per <see cref="ScheduleMonitoringOptions.CheckInterval"/> for the health signal and the
/// gauges <c>reports.schedules.missed</c> and <c>reports.schedules.failing</c>, so neither a health probe nor a metrics
/// scrape queries the database. A failed check keeps the last report.
/// </summary>
internal sealed class ScheduleHealthService : BackgroundService
{
    private readonly ScheduleMonitor _monitor;
    private readonly TimeProvider _time;
    private readonly ILogger<ScheduleHealthService> _logger;
    private volatile ScheduleHealthReport? _latest;

    public ScheduleHealthService(ScheduleMonitor monitor, IMeterFactory meters, TimeProvider time, ILogger<ScheduleHealthService> logger)
    {
        _monitor = monitor;
        _time = time;
        _logger = logger;
        var meter = meters.Create(TelemetryNames.MeterName);
        meter.CreateObservableGauge("reports.schedules.missed", () => _latest?.Missed.Count ?? 0, "{schedule}",
            "Schedules not fired within the grace period after their fire time (at most 100 counted).");
        meter.CreateObservableGauge("reports.schedules.failing", () => _latest?.Failing.Count ?? 0, "{schedule}",
            "Schedules whose last N finished runs all failed (at most 100 counted).");
    }

    /// <summary>The latest check; null until the first has run.</summary>
    public ScheduleHealthReport? Latest => _latest;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_monitor.Options.CheckInterval, _time);
        do
        {
            try
            {
                var report = await _monitor.CheckAsync(stoppingToken);
                if (!report.Healthy && (_latest is null || _latest.Healthy))
                {
                    _logger.LogWarning("Schedules need attention: {Missed} missed, {Failing} failing", report.Missed.Count, report.Failing.Count);
                }

                _latest = report;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _logger.LogWarning("Schedule check failed ({Error}); next in {Interval}", e.Message, _monitor.Options.CheckInterval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}

/// <summary>Degraded while a schedule is missed or failing, with their ids in the data; the API keeps serving.</summary>
internal sealed class ScheduleHealthCheck(ScheduleHealthService service) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (service.Latest is not { } report)
        {
            return Task.FromResult(HealthCheckResult.Healthy("Schedules not checked yet."));
        }

        if (report.Healthy)
        {
            return Task.FromResult(HealthCheckResult.Healthy("Every schedule fires on time and its last runs did not all fail."));
        }

        var data = new Dictionary<string, object>
        {
            ["missed"] = report.Missed.Select(id => id.ToString()).ToArray(),
            ["failing"] = report.Failing.Select(id => id.ToString()).ToArray(),
            ["checkedAt"] = report.CheckedAt,
        };
        return Task.FromResult(HealthCheckResult.Degraded(
            $"{report.Missed.Count} schedule(s) missed a fire time, {report.Failing.Count} failed their last runs in a row.", data: data));
    }
}

public static class ScheduleHealthExtensions
{
    public const string HealthCheckName = "schedules";

    /// <summary>The schedules' health signal and gauges: a check of every schedule in the background, and its health check.</summary>
    public static IHostApplicationBuilder AddScheduleHealth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ScheduleMonitoringOptions>()
            .Bind(builder.Configuration.GetSection(ScheduleMonitoringOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<ScheduleMonitor>();
        builder.Services.AddSingleton<ScheduleHealthService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ScheduleHealthService>());
        builder.Services.AddHealthChecks().AddCheck<ScheduleHealthCheck>(HealthCheckName, HealthStatus.Degraded);
        return builder;
    }
}
