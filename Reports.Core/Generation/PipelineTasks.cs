namespace Reports.Core.Generation;

internal static class PipelineTasks
{
    /// <summary>
    /// Awaits two stages of a pipeline. When one fails the other is cancelled through <paramref name="stop"/>, and the
    /// first real error is thrown rather than the cancellation it caused in the other stage.
    /// </summary>
    public static async Task WhenBothAsync(Task first, Task second, CancellationTokenSource stop)
    {
        var done = await Task.WhenAny(first, second);
        if (!done.IsCompletedSuccessfully)
        {
            await stop.CancelAsync();
        }

        try
        {
            await Task.WhenAll(first, second);
        }
        catch
        {
            var error = new[] { first, second }
                .Select(t => t.Exception?.InnerException)
                .FirstOrDefault(e => e is not null and not OperationCanceledException);
            if (error is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
            }

            throw;
        }
    }
}
