namespace Reports.AppHost.Dashboard;

/// <summary>One span as the dashboard keeps it: ids as lowercase hex, times in UTC, attributes as text.</summary>
internal sealed record StoredSpan
{
    public required string TraceId { get; init; }
    public required string SpanId { get; init; }
    public string? ParentSpanId { get; init; }
    public required string Name { get; init; }
    public required string Kind { get; init; }
    public required string Service { get; init; }
    public required string Instance { get; init; }
    public required string Scope { get; init; }
    public required DateTimeOffset Start { get; init; }
    public required double DurationMs { get; init; }
    public required string Status { get; init; }
    public string? StatusMessage { get; init; }
    public required IReadOnlyDictionary<string, string> Attributes { get; init; }
    public IReadOnlyList<StoredSpanEvent> Events { get; init; } = [];
}

internal sealed record StoredSpanEvent(DateTimeOffset Time, string Name, IReadOnlyDictionary<string, string> Attributes);

/// <summary>One structured log record; <see cref="Sequence"/> orders them and lets a page ask for newer ones only.</summary>
internal sealed record StoredLog
{
    public long Sequence { get; init; }
    public required DateTimeOffset Time { get; init; }
    public required string Service { get; init; }
    public required string Instance { get; init; }
    public required string Level { get; init; }
    public required string Category { get; init; }
    public required string Message { get; init; }
    public string? TraceId { get; init; }
    public string? SpanId { get; init; }
    public required IReadOnlyDictionary<string, string> Attributes { get; init; }
}

/// <summary>A value of a metric at a time: a sum or gauge's value, or a histogram's count, sum and mean.</summary>
internal sealed record MetricPoint(DateTimeOffset Time, double Value, long? Count = null, double? Sum = null);

/// <summary>A metric point as received, before it joins its series.</summary>
internal sealed record ReceivedMetric(
    string Service, string Instance, string Name, string Description, string Unit, string Kind,
    IReadOnlyDictionary<string, string> Attributes, MetricPoint Point);

/// <summary>One time series: a metric of one service instance with one set of attributes.</summary>
internal sealed class MetricSeries(ReceivedMetric first, int capacity)
{
    private readonly Queue<MetricPoint> _points = new();

    public string Service { get; } = first.Service;
    public string Instance { get; } = first.Instance;
    public string Name { get; } = first.Name;
    public string Description { get; } = first.Description;
    public string Unit { get; } = first.Unit;
    public string Kind { get; } = first.Kind;
    public IReadOnlyDictionary<string, string> Attributes { get; } = first.Attributes;

    public IReadOnlyList<MetricPoint> Points => [.. _points];

    public void Add(MetricPoint point)
    {
        _points.Enqueue(point);
        while (_points.Count > capacity)
        {
            _points.Dequeue();
        }
    }
}

/// <summary>A trace in the list: its root (or earliest) span, the services it crossed, its length.</summary>
internal sealed record TraceSummary(
    string TraceId, string Name, string Service, IReadOnlyList<string> Services, DateTimeOffset Start, double DurationMs, int Spans, int Errors);
