using Reports.Core.Queue;
using Reports.Tests.Integration;
using StackExchange.Redis;

namespace Reports.Tests.Queue;

/// <summary>Stream trimming on real Redis: a backlog is never cut, and only entries every group is done with go.</summary>
[Collection(IntegrationGroup.Name)]
public sealed class StreamTrimTests(Infrastructure infrastructure) : IAsyncLifetime
{
    private readonly string _queue = "test-trim-" + Guid.NewGuid().ToString("N");
    private ConnectionMultiplexer _redis = null!;
    private RedisJobStreams _streams = null!;

    private IDatabase Db => _redis.GetDatabase();

    private string Stream => QueueNames.Stream(_queue);

    public async Task InitializeAsync()
    {
        // A backlog of 100,500 published from one test on a shared, loaded machine: the replies may queue for longer than
        // the client's default 5 s; what is under test is that nothing is lost, not how fast Redis answers.
        var options = ConfigurationOptions.Parse(infrastructure.RedisConnectionString);
        options.AsyncTimeout = (int)TimeSpan.FromSeconds(60).TotalMilliseconds;
        _redis = await ConnectionMultiplexer.ConnectAsync(options);
        _streams = new RedisJobStreams(_redis);
        await _streams.EnsureGroupAsync(_queue, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await Db.KeyDeleteAsync(Stream);
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task A_backlog_longer_than_any_cap_loses_no_message_to_publishing_or_trimming()
    {
        // More than the 100,000 entries (plus a whole stream node of 100) that publishing used to cap a stream at.
        const int backlog = 100_500;
        var jobs = Enumerable.Range(0, backlog).Select(_ => Guid.NewGuid()).ToList();
        foreach (var chunk in jobs.Chunk(1_000))
        {
            await Task.WhenAll(chunk.Select(job => _streams.PublishAsync(_queue, job, traceParent: null, CancellationToken.None)));
        }

        // Some read and acknowledged, one read and left pending, the rest unread.
        var read = await Db.StreamReadGroupAsync(Stream, QueueNames.ConsumerGroup, "trim-reader", ">", 10);
        await Db.StreamAcknowledgeAsync(Stream, QueueNames.ConsumerGroup, [.. read.Skip(1).Select(e => e.Id)]);
        await _streams.TrimAsync(_queue, CancellationToken.None);

        Assert.Equal(backlog, await Db.StreamLengthAsync(Stream)); // the pending first entry holds everything after it
        var remaining = new List<Guid>();
        var after = "-";
        while (true)
        {
            var page = await Db.StreamRangeAsync(Stream, after == "-" ? "-" : "(" + after, "+", 10_000);
            if (page.Length == 0)
            {
                break;
            }

            remaining.AddRange(page.Select(e => Guid.Parse(e["job"].ToString())));
            after = page[^1].Id.ToString();
        }

        Assert.Equal(jobs, remaining);
    }

    [Fact]
    public async Task Trimming_removes_only_entries_acknowledged_and_delivered_to_every_group()
    {
        var jobs = Enumerable.Range(0, 10).Select(_ => Guid.NewGuid()).ToList();
        foreach (var job in jobs)
        {
            await _streams.PublishAsync(_queue, job, traceParent: null, CancellationToken.None);
        }

        // A second group that has read only the first four entries.
        await Db.StreamCreateConsumerGroupAsync(Stream, "other-group", "0-0");
        var otherRead = await Db.StreamReadGroupAsync(Stream, "other-group", "other-reader", ">", 4);
        await Db.StreamAcknowledgeAsync(Stream, "other-group", [.. otherRead.Select(e => e.Id)]);

        // The workers' group: six read, all but the third acknowledged.
        var read = await Db.StreamReadGroupAsync(Stream, QueueNames.ConsumerGroup, "trim-reader", ">", 6);
        await Db.StreamAcknowledgeAsync(Stream, QueueNames.ConsumerGroup, [.. read.Where((_, i) => i != 2).Select(e => e.Id)]);

        Assert.Equal(2, await _streams.TrimAsync(_queue, CancellationToken.None));
        Assert.Equal(jobs[2..], await JobsInStreamAsync()); // the pending third entry and all after it stay

        await Db.StreamAcknowledgeAsync(Stream, QueueNames.ConsumerGroup, read[2].Id);
        await _streams.TrimAsync(_queue, CancellationToken.None);
        Assert.Equal(jobs[3..], await JobsInStreamAsync()); // the other group has delivered no further than the fourth

        var otherRest = await Db.StreamReadGroupAsync(Stream, "other-group", "other-reader", ">", 10);
        await Db.StreamAcknowledgeAsync(Stream, "other-group", [.. otherRest.Select(e => e.Id)]);
        await _streams.TrimAsync(_queue, CancellationToken.None);
        var left = await JobsInStreamAsync();
        Assert.DoesNotContain(jobs[4], left); // delivered to both groups and acknowledged: gone
        Assert.Equal(jobs[6..], left[^4..]); // never delivered to the workers' group: kept
    }

    [Fact]
    public async Task A_stream_nobody_has_read_is_not_trimmed()
    {
        await _streams.PublishAsync(_queue, Guid.NewGuid(), traceParent: null, CancellationToken.None);

        Assert.Equal(0, await _streams.TrimAsync(_queue, CancellationToken.None));
        Assert.Equal(0, await _streams.TrimAsync("test-trim-missing-" + Guid.NewGuid().ToString("N"), CancellationToken.None));
        Assert.Equal(1, await Db.StreamLengthAsync(Stream));
    }

    private async Task<List<Guid>> JobsInStreamAsync() =>
        [.. (await Db.StreamRangeAsync(Stream)).Select(e => Guid.Parse(e["job"].ToString()))];
}
