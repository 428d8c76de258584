namespace Reports.AppHost.Hosting;

/// <summary>Where a resource is in its life, as the console and <c>.data/resources.json</c> show it.</summary>
internal enum ResourceState
{
    /// <summary>Waiting for what it references (WaitFor) or for a one-shot to complete (WaitForCompletion).</summary>
    Waiting,

    Starting,

    /// <summary>Started and healthy; for a resource given by connection string, that string answers.</summary>
    Running,

    /// <summary>Exited or failed to start while the AppHost runs; waiting out the backoff before the next start.</summary>
    Restarting,

    /// <summary>A one-shot that exited with code 0.</summary>
    Finished,

    /// <summary>A one-shot that exited otherwise, or a resource that could not start: the AppHost stops.</summary>
    Failed,

    Stopping,

    Stopped,
}
