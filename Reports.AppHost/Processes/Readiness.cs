namespace Reports.AppHost.Processes;

internal static class Readiness
{
    /// <summary>Polls <paramref name="probe"/> until it answers true, the process exits, or the deadline passes.</summary>
    public static async Task WaitAsync(string what, ChildProcess process, Func<CancellationToken, Task<bool>> probe, TimeSpan deadline, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(deadline);
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{what} exited with code {await process.Exited} before it was ready.");
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
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Not ready yet.
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
