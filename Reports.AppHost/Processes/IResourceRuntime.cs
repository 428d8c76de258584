namespace Reports.AppHost.Processes;

/// <summary>The running side of one resource (or one replica): a supervised process, a database, a given server.</summary>
internal interface IResourceRuntime
{
    string Name { get; }

    /// <summary>Completes the first time the resource is healthy: what <c>WaitFor</c> waits on. Faults if it never will be.</summary>
    Task Ready { get; }

    /// <summary>
    /// Waits for <paramref name="dependencies"/>, then runs until <paramref name="stopping"/> is cancelled (and the resource
    /// has stopped) or it has completed. Throws <see cref="ResourceFailedException"/> when it cannot run: the AppHost stops.
    /// </summary>
    Task RunAsync(Func<CancellationToken, Task> dependencies, CancellationToken stopping);
}
