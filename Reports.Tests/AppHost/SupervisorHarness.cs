using Reports.AppHost.Hosting;
using Reports.AppHost.Processes;

namespace Reports.Tests.AppHost;

/// <summary>Supervises real short-lived processes (<c>/bin/sh</c>, <c>sleep</c>) with millisecond backoff.</summary>
internal sealed class SupervisorHarness
{
    public ResourceNotifications States { get; } = new();

    public ResourceLogs Logs { get; } = new();

    public static SupervisionPolicy FastPolicy(bool runsToCompletion = false) => new()
    {
        RunsToCompletion = runsToCompletion,
        StopDeadline = TimeSpan.FromSeconds(10),
        Backoff = () => new RestartBackoff(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(50), TimeSpan.FromMinutes(1)),
    };

    public ProcessSupervisor Supervise(string name, string command, SupervisionPolicy? policy = null, Func<CancellationToken, Task<bool>>? readiness = null)
    {
        States.Add(new ResourceSnapshot { Name = name, Type = "Test" });
        var launcher = new CommandLauncher
        {
            Name = name,
            FileName = "/bin/sh",
            Arguments = ["-c", command],
            Readiness = readiness,
            Output = Logs.For(name),
        };
        return new ProcessSupervisor(name, launcher.LaunchAsync, policy ?? FastPolicy(), States, Logs.For(ResourceLogs.AppHost));
    }

    public static Task NoDependencies(CancellationToken cancellationToken) => Task.CompletedTask;
}
