using System.Diagnostics.Metrics;
using Reports.Core.Queue;
using StackExchange.Redis;

namespace Reports.Core.Telemetry;

/// <summary>
/// <c>reports.queue.length</c> (XLEN) and <c>reports.queue.pending</c> (XPENDING) of every queue, as observable gauges.
/// The values are read at most once per <see cref="MaxAge"/>, so however often a reader collects, Redis sees a few
/// cheap calls; when Redis does not answer, the last values are reported.
/// </summary>
public sealed class QueueDepthGauges
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);
    private readonly IConnectionMultiplexer _redis;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (long Length, long Pending)> _values = new(StringComparer.Ordinal);
    private DateTimeOffset _readAt = DateTimeOffset.MinValue;

    public QueueDepthGauges(IConnectionMultiplexer redis, IMeterFactory meters, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _redis = redis;
        _time = time;
        var meter = meters.Create(TelemetryNames.MeterName);
        meter.CreateObservableGauge("reports.queue.length", () => Observe(v => v.Length), "{message}", "Entries in the queue's stream (XLEN).");
        meter.CreateObservableGauge("reports.queue.pending", () => Observe(v => v.Pending), "{message}", "Messages delivered and not yet acknowledged (XPENDING).");
    }

    private IEnumerable<Measurement<long>> Observe(Func<(long Length, long Pending), long> pick)
    {
        lock (_lock)
        {
            if (_time.GetUtcNow() - _readAt >= MaxAge)
            {
                _readAt = _time.GetUtcNow();
                Refresh();
            }

            return [.. _values.Select(v => new Measurement<long>(pick(v.Value), new KeyValuePair<string, object?>(ReportsActivities.QueueTag, v.Key)))];
        }
    }

    private void Refresh()
    {
        var db = _redis.GetDatabase();
        foreach (var queue in QueueNames.All)
        {
            try
            {
                // Synchronous on purpose: a gauge callback is synchronous, and the cache bounds how often it runs.
                var stream = QueueNames.Stream(queue);
                _values[queue] = (db.StreamLength(stream), db.StreamPending(stream, QueueNames.ConsumerGroup).PendingMessageCount);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                // Redis away, or no group yet: keep the last values.
            }
        }
    }
}
