namespace Reports.LocalServers;

/// <summary>The steps a database server's start shares: its folder initialised once, then the server started and awaited.</summary>
public static class ServerLaunch
{
    /// <summary>Runs the initialiser <paramref name="command"/> (initdb, mariadb-install-db) and fails when it does not exit 0.</summary>
    public static async Task InitializeAsync(
        string what, (string Program, IReadOnlyList<object> Arguments) command, string directory, Action<string> onOutput, CancellationToken cancellationToken)
    {
        var errors = new Queue<string>();
        var init = ChildProcess.Start(command.Program, command.Arguments.Select(a => a.ToString()!), line =>
        {
            if (line.Contains("ERROR", StringComparison.OrdinalIgnoreCase) || line.Contains("FATAL", StringComparison.Ordinal))
            {
                lock (errors)
                {
                    errors.Enqueue(line);
                    if (errors.Count > 20)
                    {
                        errors.Dequeue();
                    }
                }
            }

            onOutput(line);
        }, directory);
        var code = await init.Exited.WaitAsync(cancellationToken);
        if (code != 0)
        {
            lock (errors)
            {
                throw new InvalidOperationException($"{what} failed with exit code {code}: {string.Join(" | ", errors)} (all its output is in the server's log)");
            }
        }
    }

    /// <summary>
    /// Starts the server <paramref name="command"/> and waits until <paramref name="isReady"/> answers true; when it is not
    /// ready (exited, too slow, or the start was cancelled), stops it with <paramref name="stop"/> so no process is left.
    /// </summary>
    public static async Task<T> StartAsync<T>(
        string what,
        (string Program, IReadOnlyList<object> Arguments) command,
        string directory,
        Action<string> onOutput,
        Func<ChildProcess, T> server,
        Func<T, CancellationToken, Task<bool>> isReady,
        Func<T, Task> stop,
        CancellationToken cancellationToken)
    {
        var process = ChildProcess.Start(command.Program, command.Arguments.Select(a => a.ToString()!), onOutput, directory);
        var started = server(process);
        try
        {
            await Readiness.WaitAsync(what, process, c => isReady(started, c), TimeSpan.FromSeconds(60), cancellationToken);
        }
        catch
        {
            await stop(started);
            throw;
        }

        return started;
    }
}
