using Reports.AppHost.Console;
using Reports.AppHost.Dashboard;
using Reports.AppHost.Processes;

namespace Reports.AppHost.Hosting;

/// <summary>The declared topology, ready to run: servers, one-shots and projects, wired and supervised.</summary>
internal sealed class DistributedApplication(AppHostOptions options, IReadOnlyList<Resource> resources)
{
    public AppHostOptions Options { get; } = options;

    public IReadOnlyList<Resource> Resources { get; } = resources;

    public static DistributedApplicationBuilder CreateBuilder(AppHostOptions options) => new(options);

    /// <summary>
    /// Runs everything until <paramref name="cancellationToken"/> is cancelled (Ctrl+C, SIGTERM) or a resource fails,
    /// then stops it all; returns the exit code (0, or 1 when something failed).
    /// </summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var states = new ResourceNotifications();
        var logs = new ResourceLogs();
        await using var view = ConsoleView.Start(states, logs);
        var report = logs.For(ResourceLogs.AppHost);
        if (await OrphanReaper.ReapAsync(Options.DataDirectory, report, cancellationToken) is { } problem)
        {
            report(problem);
            return Orchestrator.FailureExitCode;
        }

        OrphanReaper.MarkChildren();
        using var file = new ResourcesFile(Options.DataDirectory, states);
        var controls = new ResourceControls();
        await using var dashboard = await DashboardStartup.TryStartAsync(Options, states, logs, controls, report, cancellationToken);
        return await new Orchestrator(this, states, logs, controls: controls).RunAsync(cancellationToken);
    }
}
