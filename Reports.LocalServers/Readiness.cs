namespace Reports.LocalServers;

public static class Readiness
{
    /// <summary>Polls <paramref name="probe"/> until it answers true, the process exits, or the deadline passes.</summary>
    public static Task WaitAsync(string what, ChildProcess process, Func<CancellationToken, Task<bool>> probe, TimeSpan deadline, CancellationToken cancellationToken) =>
        WaitAsync(what, process.Exited, probe, deadline, cancellationToken);

    /// <summary>
    /// Polls <paramref name="probe"/> (a throw counts as "not yet") until it answers true, <paramref name="exited"/>
    /// completes (the process died before it was ready), or the deadline passes.
    /// </summary>
    public static async Task WaitAsync(string what, Task<int>? exited, Func<CancellationToken, Task<bool>> probe, TimeSpan deadline, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(deadline);
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            if (exited is { IsCompleted: true })
            {
                throw new InvalidOperationException($"{what} exited with code {await exited} before it was ready.");
            }

            try
            {
                if (await probe(timeout.Token))
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"{what} was not ready within {deadline.TotalSeconds:0} s.");
            }
            catch (Exception e) when (e is not OperationCanceledException || !timeout.IsCancellationRequested)
            {
                // Not ready yet, including a probe that timed out on its own (an HTTP client timeout is a cancellation).
            }

            try
            {
                await Task.Delay(delay, timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"{what} was not ready within {deadline.TotalSeconds:0} s.");
            }

            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 500));
        }
    }
}
