using System.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using Reports.Tests.Integration;

namespace Reports.Tests.Telemetry;

/// <summary>
/// An API and a worker of their own, in-process, on the collection's servers, whose services' telemetry (as
/// ServiceDefaults configures it) also goes to OpenTelemetry's in-memory exporter. Only the worker's tracer provider
/// exports: activity listeners are process-wide, so it sees the API's spans too, and each span is exported once.
/// </summary>
public sealed class TracedSystem : IAsyncDisposable
{
    private readonly WebApplicationFactory<Reports.Api.ApiMarker> _api;
    private readonly WebApplicationFactory<Reports.Worker.WorkerOptions> _worker;

    private TracedSystem(Infrastructure infrastructure)
    {
        _api = new WebApplicationFactory<Reports.Api.ApiMarker>().WithWebHostBuilder(b => TestSettings.Apply(b, infrastructure, "traced-api"));
        _worker = new WebApplicationFactory<Reports.Worker.WorkerOptions>().WithWebHostBuilder(b =>
        {
            TestSettings.Apply(b, infrastructure, "traced-worker");
            b.ConfigureServices(services => services.AddOpenTelemetry().WithTracing(t => t.AddInMemoryExporter(Spans)));
        });
    }

    public LockedCollection<Activity> Spans { get; } = new();

    public static async Task<TracedSystem> StartAsync(Infrastructure infrastructure)
    {
        ArgumentNullException.ThrowIfNull(infrastructure);
        await infrastructure.SystemAsync(); // migrated and seeded
        var system = new TracedSystem(infrastructure);
        _ = system._worker.Services;
        _ = system._api.Services;
        return system;
    }

    public Task<HttpClient> CreateClientAsync() => ApiClients.NewUserAsync(_api);

    /// <summary>The spans of the trace that holds <paramref name="predicate"/>'s span, once <paramref name="complete"/> says it is all there.</summary>
    public async Task<IReadOnlyList<Activity>> WaitForTraceAsync(Func<Activity, bool> predicate, Func<IReadOnlyList<Activity>, bool> complete, TimeSpan deadline)
    {
        var until = DateTime.UtcNow + deadline;
        IReadOnlyList<Activity> trace = [];
        while (DateTime.UtcNow < until)
        {
            var spans = Spans.Snapshot();
            if (spans.FirstOrDefault(predicate) is { } found)
            {
                trace = [.. spans.Where(s => s.TraceId == found.TraceId)];
                if (complete(trace))
                {
                    return trace;
                }
            }

            await Task.Delay(100);
        }

        Assert.Fail("The trace was not complete in time; it has: " + string.Join(", ", trace.Select(s => $"{s.Source.Name}/{s.DisplayName}").Distinct()));
        return trace;
    }

    public async ValueTask DisposeAsync()
    {
        await _api.DisposeAsync();
        await _worker.DisposeAsync();
    }
}
