using System.Globalization;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Reports.AppHost.Dashboard.Otlp.Proto;

namespace Reports.AppHost.Dashboard;

/// <summary>OTLP messages into the dashboard's records: ids as hex, attributes as text, the resource as service and instance.</summary>
internal static partial class OtlpConversion
{
    private static readonly string[] SpanKinds = ["unspecified", "internal", "server", "client", "producer", "consumer"];
    private static readonly string[] StatusCodes = ["unset", "ok", "error"];

    public static IEnumerable<StoredSpan> Spans(ExportTraceServiceRequest request) =>
        from resource in request.ResourceSpans
        let origin = Origin.Of(resource.Resource)
        from scope in resource.ScopeSpans
        from span in scope.Spans
        select new StoredSpan
        {
            TraceId = Hex(span.TraceId)!,
            SpanId = Hex(span.SpanId)!,
            ParentSpanId = Hex(span.ParentSpanId),
            Name = span.Name,
            Kind = span.Kind >= 0 && span.Kind < SpanKinds.Length ? SpanKinds[span.Kind] : "unspecified",
            Service = origin.Service,
            Instance = origin.Instance,
            Scope = scope.Scope?.Name ?? "",
            Start = Time(span.StartTimeUnixNano),
            DurationMs = span.EndTimeUnixNano > span.StartTimeUnixNano ? (span.EndTimeUnixNano - span.StartTimeUnixNano) / 1e6 : 0,
            Status = span.Status is { Code: >= 0 and < 3 } status ? StatusCodes[status.Code] : "unset",
            StatusMessage = string.IsNullOrEmpty(span.Status?.Message) ? null : span.Status.Message,
            Attributes = Attributes(span.Attributes),
            Events = [.. span.Events.Select(e => new StoredSpanEvent(Time(e.TimeUnixNano), e.Name, Attributes(e.Attributes)))],
        };

    public static IEnumerable<StoredLog> Logs(ExportLogsServiceRequest request) =>
        from resource in request.ResourceLogs
        let origin = Origin.Of(resource.Resource)
        from scope in resource.ScopeLogs
        from log in scope.LogRecords
        select new StoredLog
        {
            Time = Time(log.TimeUnixNano != 0 ? log.TimeUnixNano : log.ObservedTimeUnixNano),
            Service = origin.Service,
            Instance = origin.Instance,
            Level = Level(log.SeverityNumber, log.SeverityText),
            Category = scope.Scope?.Name ?? "",
            Message = Render(log.Body is null ? "" : Text(log.Body), Attributes(log.Attributes)),
            TraceId = Hex(log.TraceId),
            SpanId = Hex(log.SpanId),
            Attributes = Attributes(log.Attributes),
        };

    /// <summary>A body that is still a message template (no formatted message was exported): its holes filled from the attributes.</summary>
    public static string Render(string body, IReadOnlyDictionary<string, string> attributes) =>
        body.Contains('{', StringComparison.Ordinal)
            ? TemplateHole().Replace(body, hole => attributes.TryGetValue(hole.Groups[1].Value, out var value) ? value : hole.Value)
            : body;

    [GeneratedRegex(@"\{@?([A-Za-z0-9_.]+)(?:[,:][^}]*)?\}")]
    private static partial Regex TemplateHole();

    public static IEnumerable<ReceivedMetric> Metrics(ExportMetricsServiceRequest request)
    {
        foreach (var resource in request.ResourceMetrics)
        {
            var origin = Origin.Of(resource.Resource);
            foreach (var metric in resource.ScopeMetrics.SelectMany(s => s.Metrics))
            {
                ReceivedMetric Received(string kind, IEnumerable<KeyValue> attributes, MetricPoint point) =>
                    new(origin.Service, origin.Instance, metric.Name, metric.Description, metric.Unit, kind, Attributes(attributes), point);

                var points = metric.DataCase switch
                {
                    Metric.DataOneofCase.Gauge => metric.Gauge.DataPoints.Select(p => Received("gauge", p.Attributes, Number(p))),
                    Metric.DataOneofCase.Sum => metric.Sum.DataPoints.Select(p => Received(metric.Sum.IsMonotonic ? "counter" : "updowncounter", p.Attributes, Number(p))),
                    Metric.DataOneofCase.Histogram => metric.Histogram.DataPoints.Select(p => Received("histogram", p.Attributes, Histogram(p))),
                    _ => [],
                };
                foreach (var point in points)
                {
                    yield return point;
                }
            }
        }
    }

    public static string? Hex(ByteString bytes) => bytes.IsEmpty || bytes.All(b => b == 0) ? null : Convert.ToHexStringLower(bytes.Span);

    public static string Text(AnyValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.ValueCase switch
        {
            AnyValue.ValueOneofCase.StringValue => value.StringValue,
            AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
            AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(CultureInfo.InvariantCulture),
            AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString(CultureInfo.InvariantCulture),
            AnyValue.ValueOneofCase.ArrayValue => "[" + string.Join(", ", value.ArrayValue.Values.Select(Text)) + "]",
            AnyValue.ValueOneofCase.KvlistValue => "{" + string.Join(", ", value.KvlistValue.Values.Select(kv => $"{kv.Key}: {(kv.Value is null ? "" : Text(kv.Value))}")) + "}",
            AnyValue.ValueOneofCase.BytesValue => Convert.ToBase64String(value.BytesValue.Span),
            _ => "",
        };
    }

    private static Dictionary<string, string> Attributes(IEnumerable<KeyValue> attributes)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var attribute in attributes)
        {
            result[attribute.Key] = attribute.Value is null ? "" : Text(attribute.Value);
        }

        return result;
    }

    private static DateTimeOffset Time(ulong unixNano) =>
        DateTimeOffset.UnixEpoch.AddTicks((long)(unixNano / 100));

    private static MetricPoint Number(NumberDataPoint point) =>
        new(Time(point.TimeUnixNano), point.ValueCase == NumberDataPoint.ValueOneofCase.AsInt ? point.AsInt : point.AsDouble);

    private static MetricPoint Histogram(HistogramDataPoint point)
    {
        var count = (long)point.Count;
        var sum = point.HasSum ? point.Sum : 0;
        return new MetricPoint(Time(point.TimeUnixNano), count == 0 ? 0 : sum / count, count, sum);
    }

    private static string Level(int severity, string text) => severity switch
    {
        >= 21 => "Critical",
        >= 17 => "Error",
        >= 13 => "Warning",
        >= 9 => "Information",
        >= 5 => "Debug",
        >= 1 => "Trace",
        _ => string.IsNullOrEmpty(text) ? "Information" : text,
    };

    private sealed record Origin(string Service, string Instance)
    {
        public static Origin Of(Resource? resource)
        {
            var attributes = resource is null ? [] : Attributes(resource.Attributes);
            var service = attributes.GetValueOrDefault("service.name") ?? "unknown";
            return new Origin(service, attributes.GetValueOrDefault("service.instance.id") ?? service);
        }
    }
}
