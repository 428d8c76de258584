using StackExchange.Redis;

namespace Reports.Core.Queue;

/// <summary>
/// Tells the worker running a job that it was cancelled, so it stops within the current page instead of at its next
/// heartbeat. Best effort: the heartbeat still finds the <c>cancelling</c> status if the signal is lost.
/// </summary>
public sealed class CancelSignals(IConnectionMultiplexer redis)
{
    private static readonly RedisChannel Channel = RedisChannel.Literal("reports:cancel");

    public async Task PublishAsync(Guid jobId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await redis.GetSubscriber().PublishAsync(Channel, jobId.ToString());
    }

    public async Task SubscribeAsync(Action<Guid> onCancel, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await redis.GetSubscriber().SubscribeAsync(Channel, (_, message) =>
        {
            if (Guid.TryParse(message.ToString(), out var id))
            {
                onCancel(id);
            }
        });
    }
}
