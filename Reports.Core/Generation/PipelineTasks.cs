namespace Reports.Core.Generation;

internal static class PipelineTasks
{
    /// <summary>
    /// Awaits the stages of a pipeline (or pipelines side by side). When one fails the others are cancelled through
    /// <paramref name="stop"/>, and the first real error is thrown rather than the cancellations it caused elsewhere.
    /// </summary>
    public static async Task WhenAllAsync(IReadOnlyList<Task> stages, CancellationTokenSource stop)
    {
        var pending = new List<Task>(stages);
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending);
            pending.Remove(done);
            if (!done.IsCompletedSuccessfully)
            {
                await stop.CancelAsync();
                break;
            }
        }

        try
        {
            await Task.WhenAll(stages);
        }
        catch
        {
            var error = stages
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
