using Reports.Core.Queue;
using Reports.Tests.Integration;
using StackExchange.Redis;

namespace Reports.Tests.Queue;

/// <summary>Blocking reads of a queue's stream on real Redis: batches, waiting for the next message, and recovery.</summary>
[Collection(IntegrationGroup.Name)]
public sealed class BlockingStreamReaderTests(Infrastructure infrastructure) : IAsyncLifetime
{
    private readonly string _queue = "test-reader-" + Guid.NewGuid().ToString("N");
    private ConnectionMultiplexer _redis = null!;
    private RedisJobStreams _streams = null!;

    public async Task InitializeAsync()
    {
        _redis = await ConnectionMultiplexer.ConnectAsync(infrastructure.RedisConnectionString);
        _streams = new RedisJobStreams(_redis);
        await _streams.EnsureGroupAsync(_queue, CancellationToken.None);
    }

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task One_read_returns_every_waiting_message_up_to_the_count_asked_for()
    {
        var jobs = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToList();
        foreach (var job in jobs)
        {
            await _streams.PublishAsync(_queue, job, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", CancellationToken.None);
        }

        await using var reader = await _streams.OpenReaderAsync(_queue, "reader-a", TimeSpan.FromSeconds(1));
        var first = await reader.ReadAsync(3, CancellationToken.None);
        var rest = await reader.ReadAsync(10, CancellationToken.None);

        Assert.Equal(jobs[..3], first.Select(m => m.JobId));
        Assert.Equal(jobs[3..], rest.Select(m => m.JobId));
        Assert.All(first.Concat(rest), m => Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", m.TraceParent));
        Assert.All(first.Concat(rest), m => Assert.Equal(_queue, m.Queue));
    }

    [Fact]
    public async Task A_read_of_an_empty_stream_waits_and_returns_the_message_published_meanwhile()
    {
        await using var reader = await _streams.OpenReaderAsync(_queue, "reader-b", TimeSpan.FromSeconds(30));
        var read = reader.ReadAsync(4, CancellationToken.None);
        var job = Guid.NewGuid();

        // Published on the shared connection while the reader's own connection waits in Redis.
        await _streams.PublishAsync(_queue, job, traceParent: null, CancellationToken.None);
        var messages = await read;

        Assert.Equal(job, Assert.Single(messages).JobId);
        Assert.Null(messages[0].TraceParent);
    }

    [Fact]
    public async Task A_read_that_waits_in_vain_returns_nothing()
    {
        await using var reader = await _streams.OpenReaderAsync(_queue, "reader-c", TimeSpan.FromMilliseconds(100));

        Assert.Empty(await reader.ReadAsync(4, CancellationToken.None));
    }

    [Fact]
    public async Task After_the_stream_vanished_a_read_recreates_its_group_and_goes_on()
    {
        await _redis.GetDatabase().KeyDeleteAsync(QueueNames.Stream(_queue));
        await using var reader = await _streams.OpenReaderAsync(_queue, "reader-d", TimeSpan.FromMilliseconds(100));

        Assert.Empty(await reader.ReadAsync(4, CancellationToken.None));
        var job = Guid.NewGuid();
        await _streams.PublishAsync(_queue, job, traceParent: null, CancellationToken.None);
        Assert.Equal(job, Assert.Single(await reader.ReadAsync(4, CancellationToken.None)).JobId);
    }
}
