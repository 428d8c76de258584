namespace Reports.AppHost.Processes;

/// <summary>Starts a command (a project's <c>dotnet</c> host, or any program) and waits until its readiness probe answers.</summary>
internal sealed class CommandLauncher
{
    public required string Name { get; init; }

    public required string FileName { get; init; }

    public IReadOnlyList<string> Arguments { get; init; } = [];

    public string? WorkingDirectory { get; init; }

    /// <summary>Variables added to the inherited environment, resolved at each start (connection strings may wait on servers).</summary>
    public Func<CancellationToken, Task<IReadOnlyDictionary<string, string?>>>? Environment { get; init; }

    /// <summary>Null: ready as soon as it has started (a one-shot, or a process without an endpoint).</summary>
    public Func<CancellationToken, Task<bool>>? Readiness { get; init; }

    public TimeSpan ReadinessDeadline { get; init; } = TimeSpan.FromMinutes(3);

    public TimeSpan StopDeadline { get; init; } = TimeSpan.FromSeconds(10);

    public Action<string> Output { get; init; } = _ => { };

    public async Task<RunningProcess> LaunchAsync(CancellationToken cancellationToken)
    {
        var environment = Environment is null ? null : await Environment(cancellationToken);
        var process = ChildProcess.Start(FileName, Arguments, Output, WorkingDirectory, environment);
        if (Readiness is null)
        {
            return new RunningProcess(process);
        }

        try
        {
            await Processes.Readiness.WaitAsync(Name, process.Exited, Readiness, ReadinessDeadline, cancellationToken);
        }
        catch
        {
            // Never ready (exited, too slow, or the AppHost is stopping): leave no process behind.
            await process.StopAsync(StopDeadline);
            throw;
        }

        return new RunningProcess(process);
    }
}
