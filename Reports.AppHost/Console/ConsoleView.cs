using Reports.AppHost.Hosting;

namespace Reports.AppHost.Console;

/// <summary>How the AppHost shows its resources: a live table in a terminal, plain prefixed lines when output is redirected.</summary>
internal static class ConsoleView
{
    public static IAsyncDisposable Start(ResourceNotifications states, ResourceLogs logs) =>
        System.Console.IsOutputRedirected
            ? new PlainConsoleView(states, logs, System.Console.Out)
            : LiveConsoleView.Start(states, logs);

    /// <summary>A public URL to print: a project endpoint on <c>localhost</c> (the API), not a worker's loopback health port.</summary>
    public static bool IsPublicEndpoint(ResourceSnapshot snapshot) =>
        snapshot.Type == "Project" && snapshot.Endpoint?.Contains("://localhost:", StringComparison.Ordinal) == true;
}
