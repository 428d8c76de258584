using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Reports.AppHost.Hosting;

namespace Reports.AppHost.Dashboard;

/// <summary>
/// The developer dashboard: Kestrel on localhost serving the pages, their JSON API and the OTLP/HTTP receiver that the
/// services export to. It holds only an in-memory window of telemetry and goes away with the AppHost.
/// </summary>
internal sealed class DashboardServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConsoleLines _console;

    private DashboardServer(WebApplication app, ConsoleLines console, TelemetryStore store)
    {
        _app = app;
        _console = console;
        Store = store;
    }

    public TelemetryStore Store { get; }

    public Uri Url => new(_app.Urls.First());

    /// <summary>Starts listening on localhost:<paramref name="port"/> (IPv4 and IPv6 loopback); throws <see cref="IOException"/> when taken.</summary>
    public static async Task<DashboardServer> StartAsync(
        int port, ResourceNotifications states, ResourceLogs logs, ResourceControls controls, CancellationToken cancellationToken, TelemetryStore? store = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders(); // the AppHost's console belongs to its resources
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.ListenLocalhost(port);
            kestrel.Limits.MaxRequestBodySize = 32 * 1024 * 1024;
        });
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.WriteIndented = false);
        var app = builder.Build();
        store ??= new TelemetryStore();
        var console = new ConsoleLines(logs);
        app.MapOtlpReceiver(store);
        app.MapDashboardApi(store, states, console, controls);
        app.MapDashboardPages();
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            console.Dispose();
            await app.DisposeAsync();
            throw;
        }

        return new DashboardServer(app, console, store);
    }

    public async ValueTask DisposeAsync()
    {
        _console.Dispose();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
