using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Reports.AppHost.Hosting;

namespace Reports.AppHost.Dashboard;

/// <summary>The JSON the dashboard's pages read: resources (and stop/start), console lines, logs, traces and metrics.</summary>
internal static class DashboardApi
{
    public static IEndpointRouteBuilder MapDashboardApi(
        this IEndpointRouteBuilder endpoints, TelemetryStore store, ResourceNotifications states, ConsoleLines console, ResourceControls controls)
    {
        var api = endpoints.MapGroup("/api");
        api.MapGet("/resources", () => states.Current().Select(s => new
        {
            s.Name,
            s.Type,
            State = s.State.ToString(),
            Health = s.State switch
            {
                ResourceState.Running or ResourceState.Finished => "Healthy",
                ResourceState.Failed or ResourceState.Restarting => "Unhealthy",
                _ => "Unknown",
            },
            s.Pid,
            s.Endpoint,
            s.Restarts,
            s.ExitCode,
            CanStop = controls.CanControl(s.Name) && s.State is ResourceState.Running or ResourceState.Starting or ResourceState.Restarting,
            CanStart = controls.CanControl(s.Name) && s.State == ResourceState.Stopped,
        }));
        api.MapPost("/resources/{name}/stop", (string name) => Command(controls.Stop(name)));
        api.MapPost("/resources/{name}/start", (string name) => Command(controls.Start(name)));
        api.MapGet("/console/{name}", (string name, long? after) => console.After(name, after ?? 0, 2_000));

        api.MapGet("/logs", (string? resource, string? level, string? text, long? after, int? limit) =>
        {
            var minimum = LevelRank(level);
            return store.Logs(after ?? 0, log =>
                (string.IsNullOrEmpty(resource) || log.Service == resource || log.Instance == resource)
                && LevelRank(log.Level) >= minimum
                && (string.IsNullOrEmpty(text)
                    || log.Message.Contains(text, StringComparison.OrdinalIgnoreCase)
                    || log.Category.Contains(text, StringComparison.OrdinalIgnoreCase)
                    || log.Attributes.Values.Any(v => v.Contains(text, StringComparison.OrdinalIgnoreCase))),
                Math.Clamp(limit ?? 500, 1, 5_000));
        });

        api.MapGet("/traces", (string? resource, int? limit) => store.Traces(string.IsNullOrEmpty(resource) ? null : resource, Math.Clamp(limit ?? 200, 1, 2_000)));
        api.MapGet("/traces/{traceId}", (string traceId) =>
            store.Trace(traceId) is { Count: > 0 } spans ? Results.Ok(spans) : Results.NotFound());

        api.MapGet("/metrics", () => store.Series(null)
            .GroupBy(s => (s.Series.Service, s.Series.Name))
            .Select(g => new { g.Key.Service, g.Key.Name, g.First().Series.Unit, g.First().Series.Description, g.First().Series.Kind, Series = g.Count() })
            .OrderBy(m => m.Service, StringComparer.Ordinal).ThenBy(m => m.Name, StringComparer.Ordinal));
        api.MapGet("/metrics/series", (string name, string? resource) => store.Series(name)
            .Where(s => string.IsNullOrEmpty(resource) || s.Series.Service == resource || s.Series.Instance == resource)
            .Select(s => new { s.Series.Service, s.Series.Instance, s.Series.Name, s.Series.Unit, s.Series.Kind, s.Series.Attributes, s.Points }));
        return endpoints;
    }

    private static IResult Command(bool? done) => done switch
    {
        null => Results.NotFound(),
        false => Results.Conflict(),
        true => Results.Accepted(),
    };

    private static int LevelRank(string? level) => level switch
    {
        "Trace" => 0,
        "Debug" => 1,
        null or "" or "Information" => 2,
        "Warning" => 3,
        "Error" => 4,
        "Critical" => 5,
        _ => 2,
    };
}
