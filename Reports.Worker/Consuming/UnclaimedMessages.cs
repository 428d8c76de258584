using Npgsql;
using Reports.Core.Queue;
using Reports.Core.Storage;
using StackExchange.Redis;

namespace Reports.Worker.Consuming;

/// <summary>
/// Messages this worker read but, stopping, will not claim: their jobs go back on the outbox (for the relay to publish
/// again), then the messages are acknowledged, so another worker runs them at once rather than a lease later. Messages
/// taken over stay pending: one may be the message of a job that runs under another worker's live lease, which only a
/// run can tell (and hand back); the next takeover, a lease later, does.
/// </summary>
internal sealed class UnclaimedMessages(JobStore store, RedisJobStreams streams, ILogger<UnclaimedMessages> logger)
{
    /// <summary>Longest a give-back may take: the worker is stopping, and must be done before it is killed.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    /// <summary>Not cancellable (bounded by <see cref="Bound"/>): the worker is stopping, and this is the last it does for these messages.</summary>
    public async Task GiveBackAsync(IReadOnlyList<JobMessage> messages)
    {
        using var bound = new CancellationTokenSource(Bound);
        try
        {
            // Only a job still queued goes back on the outbox: one claimed meanwhile is left to its lease.
            await store.RepublishQueuedAsync([.. messages.Select(m => m.JobId)], bound.Token);
            await Task.WhenAll(messages.Where(m => !m.TakenOver).Select(m => streams.AcknowledgeAsync(m, bound.Token)));
        }
        catch (Exception e) when (e is NpgsqlException or RedisException or TimeoutException or OperationCanceledException)
        {
            logger.LogWarning("Messages read while stopping stay pending until taken over ({Error})", e.Message);
        }
    }
}
