using Reports.AppHost.Dashboard;

namespace Reports.Tests.Telemetry;

public sealed class TelemetryStoreTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_window_keeps_only_the_newest_spans_logs_series_and_points()
    {
        var store = new TelemetryStore(new TelemetryLimits { MaxSpans = 5, MaxLogs = 3, MaxSeries = 2, MaxPointsPerSeries = 4 });

        // Three traces of three spans each: nine spans, five kept, so the first trace is gone and the second is cut.
        store.AddSpans(Enumerable.Range(0, 9).Select(i => Span($"trace-{i / 3}", $"span-{i}", T0.AddSeconds(i))));
        Assert.Equal(5, store.SpanCount);
        Assert.Empty(store.Trace("trace-0"));
        Assert.Equal(["span-4", "span-5"], store.Trace("trace-1").Select(s => s.SpanId));
        Assert.Equal(3, store.Trace("trace-2").Count);
        Assert.Equal(["trace-2", "trace-1"], store.Traces(null, 10).Select(t => t.TraceId));

        store.AddLogs(Enumerable.Range(0, 7).Select(i => Log($"message {i}")));
        var logs = store.Logs(0, _ => true, 100);
        Assert.Equal(["message 4", "message 5", "message 6"], logs.Select(l => l.Message));
        Assert.Equal([5L, 6L, 7L], logs.Select(l => l.Sequence));
        Assert.Equal(["message 6"], store.Logs(6, _ => true, 100).Select(l => l.Message));
        Assert.Equal(["message 6"], store.Logs(0, _ => true, 1).Select(l => l.Message));

        store.AddMetrics(Enumerable.Range(0, 10).Select(i => Metric("a", i)));
        store.AddMetrics(Enumerable.Range(0, 2).Select(i => Metric("b", i)));
        store.AddMetrics([Metric("c", 1)]); // a third series: over the limit, not started
        var series = store.Series(null);
        Assert.Equal(["a", "b"], series.Select(s => s.Series.Attributes["kind"]).Order(StringComparer.Ordinal));
        Assert.Equal([6.0, 7.0, 8.0, 9.0], series.Single(s => s.Series.Attributes["kind"] == "a").Points.Select(p => p.Value));
    }

    private static StoredSpan Span(string traceId, string spanId, DateTimeOffset start) => new()
    {
        TraceId = traceId, SpanId = spanId, Name = spanId, Kind = "internal", Service = "api", Instance = "api-0", Scope = "test",
        Start = start, DurationMs = 1, Status = "unset", Attributes = new Dictionary<string, string>(),
    };

    private static StoredLog Log(string message) => new()
    {
        Time = T0, Service = "worker", Instance = "worker-0", Level = "Information", Category = "test", Message = message,
        Attributes = new Dictionary<string, string>(),
    };

    private static ReceivedMetric Metric(string kind, double value) =>
        new("worker", "worker-0", "reports.rows.written", "", "{row}", "counter",
            new Dictionary<string, string> { ["kind"] = kind }, new MetricPoint(T0.AddSeconds(value), value));
}
