namespace Reports.AppHost.Processes;

/// <summary>
/// A started, ready process as the supervisor sees it: its pid, its exit, and how it stops gracefully
/// (SIGTERM for most, SIGINT to the postmaster for PostgreSQL).
/// </summary>
internal sealed class RunningProcess(ChildProcess process, Func<TimeSpan, Task> stop)
{
    public RunningProcess(ChildProcess process)
        : this(process, deadline => process.StopAsync(deadline))
    {
    }

    public int Pid => process.Id;

    public Task<int> Exited => process.Exited;

    /// <summary>Asks the process to stop, waits up to <paramref name="deadline"/>, then kills its tree.</summary>
    public Task StopAsync(TimeSpan deadline) => stop(deadline);
}

/// <summary>Starts a process and returns once it is ready (its readiness probe answered); throws if it never is.</summary>
internal delegate Task<RunningProcess> ProcessLauncher(CancellationToken cancellationToken);
