namespace Reports.AppHost.Dashboard;

/// <summary>
/// The dashboard's bounded window of telemetry: the newest spans, logs and metric points up to <see cref="TelemetryLimits"/>.
/// Spans are dropped oldest first (a trace disappears with its last span); series beyond the limit are not started.
/// </summary>
internal sealed class TelemetryStore(TelemetryLimits limits)
{
    private readonly Lock _lock = new();
    private readonly Queue<StoredSpan> _spanOrder = new();
    private readonly Dictionary<string, List<StoredSpan>> _traces = new(StringComparer.Ordinal);
    private readonly Queue<StoredLog> _logs = new();
    private readonly Dictionary<string, MetricSeries> _series = new(StringComparer.Ordinal);
    private long _logSequence;

    public TelemetryStore()
        : this(new TelemetryLimits())
    {
    }

    public void AddSpans(IEnumerable<StoredSpan> spans)
    {
        ArgumentNullException.ThrowIfNull(spans);
        lock (_lock)
        {
            foreach (var span in spans)
            {
                _spanOrder.Enqueue(span);
                if (!_traces.TryGetValue(span.TraceId, out var trace))
                {
                    _traces[span.TraceId] = trace = [];
                }

                trace.Add(span);
            }

            while (_spanOrder.Count > limits.MaxSpans)
            {
                var oldest = _spanOrder.Dequeue();
                var trace = _traces[oldest.TraceId];
                trace.Remove(oldest);
                if (trace.Count == 0)
                {
                    _traces.Remove(oldest.TraceId);
                }
            }
        }
    }

    public void AddLogs(IEnumerable<StoredLog> logs)
    {
        ArgumentNullException.ThrowIfNull(logs);
        lock (_lock)
        {
            foreach (var log in logs)
            {
                _logs.Enqueue(log with { Sequence = ++_logSequence });
            }

            while (_logs.Count > limits.MaxLogs)
            {
                _logs.Dequeue();
            }
        }
    }

    public void AddMetrics(IEnumerable<ReceivedMetric> metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        lock (_lock)
        {
            foreach (var metric in metrics)
            {
                var key = $"{metric.Instance}\n{metric.Name}\n{string.Join(",", metric.Attributes.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}={a.Value}"))}";
                if (!_series.TryGetValue(key, out var series))
                {
                    if (_series.Count >= limits.MaxSeries)
                    {
                        continue;
                    }

                    _series[key] = series = new MetricSeries(metric, limits.MaxPointsPerSeries);
                }

                series.Add(metric.Point);
            }
        }
    }

    /// <summary>The newest traces first, optionally only those that crossed <paramref name="service"/>.</summary>
    public IReadOnlyList<TraceSummary> Traces(string? service, int limit)
    {
        lock (_lock)
        {
            return [.. _traces.Values
                .Where(t => service is null || t.Any(s => s.Service == service))
                .Select(Summarize)
                .OrderByDescending(t => t.Start)
                .Take(limit)];
        }
    }

    public IReadOnlyList<StoredSpan> Trace(string traceId)
    {
        lock (_lock)
        {
            return _traces.TryGetValue(traceId, out var spans) ? [.. spans.OrderBy(s => s.Start)] : [];
        }
    }

    public int SpanCount
    {
        get
        {
            lock (_lock)
            {
                return _spanOrder.Count;
            }
        }
    }

    /// <summary>Logs after <paramref name="after"/> that pass the filter, oldest first, at most the newest <paramref name="limit"/>.</summary>
    public IReadOnlyList<StoredLog> Logs(long after, Func<StoredLog, bool> filter, int limit)
    {
        ArgumentNullException.ThrowIfNull(filter);
        lock (_lock)
        {
            var matches = _logs.Where(l => l.Sequence > after && filter(l)).ToList();
            return matches.Count > limit ? matches[^limit..] : matches;
        }
    }

    /// <summary>Every series, with a copy of its points, optionally of one metric.</summary>
    public IReadOnlyList<(MetricSeries Series, IReadOnlyList<MetricPoint> Points)> Series(string? name)
    {
        lock (_lock)
        {
            return [.. _series.Values.Where(s => name is null || s.Name == name).Select(s => (s, s.Points))];
        }
    }

    private static TraceSummary Summarize(List<StoredSpan> spans)
    {
        var ids = spans.Select(s => s.SpanId).ToHashSet(StringComparer.Ordinal);
        var root = spans.Where(s => s.ParentSpanId is null || !ids.Contains(s.ParentSpanId)).MinBy(s => s.Start) ?? spans[0];
        var start = spans.Min(s => s.Start);
        var end = spans.Max(s => s.Start.AddMilliseconds(s.DurationMs));
        return new TraceSummary(root.TraceId, root.Name, root.Service, [.. spans.Select(s => s.Service).Distinct(StringComparer.Ordinal)],
            start, (end - start).TotalMilliseconds, spans.Count, spans.Count(s => s.Status == "error"));
    }
}
