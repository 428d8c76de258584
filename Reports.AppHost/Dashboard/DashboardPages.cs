using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Reports.AppHost.Dashboard;

/// <summary>The dashboard's page, script and styles, embedded in the AppHost (no CDN, nothing to install).</summary>
internal static class DashboardPages
{
    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.Ordinal)
    {
        ["index.html"] = "text/html; charset=utf-8",
        ["dashboard.js"] = "text/javascript; charset=utf-8",
        ["dashboard.css"] = "text/css; charset=utf-8",
    };

    public static IEndpointRouteBuilder MapDashboardPages(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/", () => Page("index.html"));
        endpoints.MapGet("/{file}", (string file) => ContentTypes.ContainsKey(file) ? Page(file) : Results.NotFound());
        return endpoints;
    }

    private static IResult Page(string file)
    {
        var stream = typeof(DashboardPages).Assembly.GetManifestResourceStream($"dashboard/{file}");
        return stream is null ? Results.NotFound() : Results.Stream(stream, ContentTypes[file]);
    }
}
