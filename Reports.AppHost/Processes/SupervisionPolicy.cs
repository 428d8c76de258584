namespace Reports.AppHost.Processes;

/// <summary>How a supervised process is treated when it exits or cannot start.</summary>
internal sealed record SupervisionPolicy
{
    /// <summary>A one-shot (e.g. migrate): exit 0 is success and it is not restarted; anything else fails the AppHost.</summary>
    public bool RunsToCompletion { get; init; }

    /// <summary>Servers: failing to start the first time is a setup problem (not installed, port taken), so the AppHost stops.</summary>
    public bool FailOnFirstStartError { get; init; }

    /// <summary>How long a graceful stop may take before the process tree is killed.</summary>
    public TimeSpan StopDeadline { get; init; } = TimeSpan.FromSeconds(30);

    public Func<RestartBackoff> Backoff { get; init; } = RestartBackoff.CreateDefault;
}
