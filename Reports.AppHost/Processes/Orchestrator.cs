using Reports.AppHost.Hosting;

namespace Reports.AppHost.Processes;

/// <summary>
/// Runs the plan: starts every unit (each waits for its own dependencies), then on Ctrl+C/SIGTERM or on the first
/// failure stops the projects first and the servers after them, so no service loses its database mid-request.
/// </summary>
internal sealed class Orchestrator(
    DistributedApplication application, ResourceNotifications states, ResourceLogs logs, TimeProvider? time = null, Dashboard.ResourceControls? controls = null)
{
    public const int FailureExitCode = 1;
    private readonly Action<string> _report = logs.For(ResourceLogs.AppHost);

    /// <summary>Runs until <paramref name="stopping"/> is cancelled or a resource fails; returns the AppHost's exit code.</summary>
    public async Task<int> RunAsync(CancellationToken stopping)
    {
        if (await PreflightAsync(stopping) is { } problem)
        {
            _report(problem);
            return FailureExitCode;
        }

        RuntimePlan plan;
        try
        {
            plan = RuntimePlan.Create(application, states, logs, time);
        }
        catch (InvalidOperationException e)
        {
            _report(e.Message);
            return FailureExitCode;
        }

        controls?.Register(plan.Units.Select(u => u.Runtime));
        using var stopProjects = new CancellationTokenSource();
        using var stopServers = new CancellationTokenSource();
        var runs = plan.Units
            .Select(unit => (unit, Task: unit.Runtime.RunAsync(plan.DependenciesOf(unit.Resource), unit.IsProject ? stopProjects.Token : stopServers.Token)))
            .ToList();

        var failure = await FirstFailureAsync([.. runs.Select(r => r.Task)], stopping);
        _report(failure is null
            ? "stopping: projects first, then servers"
            : $"{failure.Message} Stopping everything.");

        await stopProjects.CancelAsync();
        await Task.WhenAll(runs.Where(r => r.unit.IsProject).Select(r => Settle(r.Task)));
        await stopServers.CancelAsync();
        await Task.WhenAll(runs.Where(r => !r.unit.IsProject).Select(r => Settle(r.Task)));
        foreach (var snapshot in states.Current().Where(s => s.State is not (ResourceState.Stopped or ResourceState.Finished or ResourceState.Failed)))
        {
            states.Update(snapshot.Name, s => s with { State = ResourceState.Stopped, Pid = null });
        }

        _report("stopped");
        return failure is null ? 0 : FailureExitCode;
    }

    /// <summary>What makes starting pointless (a project not built, the API's port taken), found before anything starts.</summary>
    private async Task<string?> PreflightAsync(CancellationToken cancellationToken)
    {
        var options = application.Options;
        foreach (var project in application.Resources.OfType<ProjectResource>().Where(p => p.Replicas > 0))
        {
            var assembly = ProjectPaths.AssemblyPath(options.RepositoryRoot, project.ProjectName, options.BuildConfiguration);
            if (!File.Exists(assembly))
            {
                return $"{project.Name}: {assembly} is missing. Build first: dotnet build Reports.AppHost -c {options.BuildConfiguration}";
            }

            if (project.Endpoint is { Port: { } port } && await FreePort.AcceptsAsync(port, cancellationToken))
            {
                return $"{project.Name}: port {port} is already in use; choose another with --api-port.";
            }
        }

        return null;
    }

    /// <summary>The first unit that fails, or null once <paramref name="stopping"/> is cancelled.</summary>
    private static async Task<Exception?> FirstFailureAsync(List<Task> running, CancellationToken stopping)
    {
        var stopRequested = Task.Delay(Timeout.Infinite, stopping);
        while (true)
        {
            var done = await Task.WhenAny([stopRequested, .. running]);
            if (done == stopRequested)
            {
                return null;
            }

            running.Remove(done);
            if (done.Exception?.GetBaseException() is { } failure)
            {
                return failure;
            }
        }
    }

    /// <summary>Waits for a unit to finish stopping. A failure was reported already (or is a consequence of the stop).</summary>
    private async Task Settle(Task run)
    {
        try
        {
            await run;
        }
        catch (Exception e) when (e is ResourceFailedException or OperationCanceledException)
        {
        }
#pragma warning disable CA1031 // Whatever one unit throws, the others must still be stopped.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _report($"unexpected error while stopping: {e}");
        }
    }
}
