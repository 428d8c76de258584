using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Reports.Core.Queue;

/// <summary>
/// Announces that a job's state or progress changed (the job id on <see cref="QueueNames.JobEventsChannel"/>), so live
/// progress streams re-read it from PostgreSQL at once. Best effort: PostgreSQL stays the truth, a lost announcement
/// only delays a stream until its next heartbeat, and publishing never throws or waits.
/// </summary>
public sealed partial class JobEvents(IConnectionMultiplexer redis, ILogger<JobEvents> logger)
{
    private static readonly RedisChannel Channel = RedisChannel.Literal(QueueNames.JobEventsChannel);

    public void Publish(Guid jobId)
    {
        try
        {
            redis.GetSubscriber().Publish(Channel, jobId.ToString(), CommandFlags.FireAndForget);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogNotPublished(logger, jobId, e.Message);
        }
    }

    /// <summary>Calls <paramref name="onChange"/> with the id of every job announced from now on.</summary>
    public async Task SubscribeAsync(Action<Guid> onChange, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await redis.GetSubscriber().SubscribeAsync(Channel, (_, message) =>
        {
            if (Guid.TryParse(message.ToString(), out var id))
            {
                onChange(id);
            }
        });
    }

    [LoggerMessage(LogLevel.Debug, "Change of job {JobId} not announced: {Error}")]
    private static partial void LogNotPublished(ILogger logger, Guid jobId, string error);
}
