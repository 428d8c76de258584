using Hangfire;

namespace Reports.Bench.Peers.Hangfire;

/// <summary>How long a batch took: to its last success, and to its last enqueue.</summary>
internal sealed record BatchTimes(TimeSpan Elapsed, TimeSpan Enqueueing);

/// <summary>
/// One batch, as our engine's queue scenario submits one: the servers are up and idle, a few concurrent clients enqueue
/// the jobs one by one while the workers consume them, and the clock runs from the first enqueue to the last success.
/// </summary>
internal static class TinyBatch
{
    private const int Submitters = 8;

    public static async Task<BatchTimes> RunAsync(IBackgroundJobClient client, SucceededCounter counter, int count, CancellationToken cancellationToken)
    {
        var time = TimeProvider.System;
        var reached = counter.Await(count);
        var started = time.GetTimestamp();
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = Submitters, CancellationToken = cancellationToken }, (_, _) =>
        {
            client.Enqueue(() => NoOpJob.Run()); // Hangfire's client is synchronous
            return ValueTask.CompletedTask;
        });
        var enqueueing = time.GetElapsedTime(started);
        var finished = await reached.WaitAsync(cancellationToken);
        return new BatchTimes(time.GetElapsedTime(started, finished), enqueueing);
    }
}
