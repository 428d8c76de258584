using Reports.AppHost.Hosting;

namespace Reports.AppHost.Dashboard;

/// <summary>Starts the dashboard for the AppHost; a dashboard that cannot start is reported, and the system runs without it.</summary>
internal static class DashboardStartup
{
    public static async Task<IAsyncDisposable> TryStartAsync(
        AppHostOptions options, ResourceNotifications states, ResourceLogs logs, ResourceControls controls, Action<string> report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(report);
        try
        {
            var dashboard = await DashboardServer.StartAsync(options.DashboardPort, states, logs, controls, cancellationToken);
            report($"dashboard: {options.DashboardUrl}" + (options.OtlpEndpoint is null ? "" : $" (telemetry goes to {options.OtlpEndpoint}, not to the dashboard)"));
            return dashboard;
        }
        catch (IOException e)
        {
            report($"dashboard not started: port {options.DashboardPort} is not free ({e.Message}); choose another with --dashboard-port");
            return new Nothing();
        }
    }

    private sealed class Nothing : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
