using System.Globalization;
using StackExchange.Redis;

namespace Reports.Core.Queue;

/// <summary>
/// Reads a queue's new messages with <c>XREADGROUP … BLOCK</c> on a Redis connection of its own. An idle consumer waits
/// inside Redis, which hands each new entry to one waiting consumer the moment it is added: no polling, no wake-up
/// signal that every worker answers with a read of its own, and a batch of up to the consumer's free slots per call.
/// </summary>
/// <remarks>
/// StackExchange.Redis multiplexes every command of a process over one connection, where a blocking command would stall
/// all the others; this reader's connection carries nothing else.
/// </remarks>
public sealed class BlockingStreamReader : IAsyncDisposable
{
    /// <summary>Beyond the longest block, how long the client waits for Redis's answer before calling it a timeout.</summary>
    private static readonly TimeSpan AnswerMargin = TimeSpan.FromSeconds(5);

    private readonly ConnectionMultiplexer _connection;
    private readonly RedisJobStreams _streams;
    private readonly string _queue;
    private readonly string _consumer;
    private readonly string _blockMilliseconds;

    private BlockingStreamReader(ConnectionMultiplexer connection, RedisJobStreams streams, string queue, string consumer, TimeSpan longestWait)
    {
        _connection = connection;
        _streams = streams;
        _queue = queue;
        _consumer = consumer;
        _blockMilliseconds = Math.Max(1, (long)longestWait.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
    }

    internal static async Task<BlockingStreamReader> OpenAsync(
        IConnectionMultiplexer shared, RedisJobStreams streams, string queue, string consumer, TimeSpan longestWait)
    {
        var options = ConfigurationOptions.Parse(shared.Configuration);
        options.AbortOnConnectFail = false; // like the shared connection: keep trying while Redis is away
        options.ClientName = $"{consumer}-read-{queue}";
        options.Protocol = RedisProtocol.Resp2; // the reply shape parsed below
        var answerTimeout = (int)(longestWait + AnswerMargin).TotalMilliseconds;
        options.AsyncTimeout = Math.Max(options.AsyncTimeout, answerTimeout);
        options.SyncTimeout = Math.Max(options.SyncTimeout, answerTimeout);
        var connection = await ConnectionMultiplexer.ConnectAsync(options);
        return new BlockingStreamReader(connection, streams, queue, consumer, longestWait);
    }

    /// <summary>
    /// Up to <paramref name="count"/> new messages for this consumer; waits up to the longest wait for the first one
    /// and returns none when it passes.
    /// </summary>
    public async Task<IReadOnlyList<JobMessage>> ReadAsync(int count, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        RedisResult reply;
        try
        {
            reply = await _connection.GetDatabase().ExecuteAsync("XREADGROUP",
                "GROUP", QueueNames.ConsumerGroup, _consumer, "COUNT", count.ToString(CultureInfo.InvariantCulture),
                "BLOCK", _blockMilliseconds, "STREAMS", QueueNames.Stream(_queue), ">");
        }
        catch (RedisServerException e) when (e.Message.Contains("NOGROUP", StringComparison.Ordinal)
                                             || e.Message.Contains("UNBLOCKED", StringComparison.Ordinal))
        {
            // The stream or group vanished (Redis restarted without its data, or was flushed): recreate and go on.
            await _streams.EnsureGroupAsync(_queue, cancellationToken);
            return [];
        }

        return Parse(reply);
    }

    /// <summary>
    /// <c>[[stream, [[id, [field, value, …]], …]]]</c>, or nil when the block timed out. An entry trimmed since it
    /// was delivered has nil fields; one without a job id is skipped (nothing could run it).
    /// </summary>
    private List<JobMessage> Parse(RedisResult reply)
    {
        var messages = new List<JobMessage>();
        if (reply.IsNull)
        {
            return messages;
        }

        foreach (var stream in (RedisResult[])reply!)
        {
            foreach (var entry in (RedisResult[])((RedisResult[])stream!)[1]!)
            {
                var parts = (RedisResult[])entry!;
                if (parts[1].IsNull)
                {
                    continue;
                }

                var fields = (RedisValue[])parts[1]!;
                RedisValue job = RedisValue.Null, trace = RedisValue.Null, help = RedisValue.Null;
                for (var i = 0; i + 1 < fields.Length; i += 2)
                {
                    if (fields[i] == RedisJobStreams.JobFieldName)
                    {
                        job = fields[i + 1];
                    }
                    else if (fields[i] == RedisJobStreams.TraceFieldName)
                    {
                        trace = fields[i + 1];
                    }
                    else if (fields[i] == RedisJobStreams.HelpFieldName)
                    {
                        help = fields[i + 1];
                    }
                }

                if (RedisJobStreams.ToMessage(_queue, parts[0].ToString(), job, trace, help) is { } message)
                {
                    messages.Add(message);
                }
            }
        }

        return messages;
    }

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync();
}
