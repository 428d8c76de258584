using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Reports.AppHost.Dashboard;
using Reports.AppHost.Hosting;
using Reports.AppHost.Processes;

namespace Reports.Tests.Telemetry;

/// <summary>The dashboard's OTLP/HTTP receiver, fed by OpenTelemetry's own OTLP exporter, and its JSON API.</summary>
public sealed class DashboardReceiverTests
{
    [Fact]
    public async Task Spans_logs_and_metrics_exported_by_the_OpenTelemetry_sdk_are_served_back_by_the_json_api()
    {
        var port = FreePort.Next();
        await using var dashboard = await DashboardServer.StartAsync(port, new ResourceNotifications(), new ResourceLogs(), new ResourceControls(), CancellationToken.None);
        var name = "dashboard-test-" + Guid.NewGuid().ToString("N")[..8];
        var baseUrl = $"http://localhost:{port}";
        void Otlp(OtlpExporterOptions o, string signal)
        {
            o.Endpoint = new Uri($"{baseUrl}/v1/{signal}");
            o.Protocol = OtlpExportProtocol.HttpProtobuf;
        }

        var resource = ResourceBuilder.CreateEmpty().AddService(name, serviceInstanceId: name + "-0");
        string traceId;
        using (var source = new ActivitySource(name))
        using (var tracing = Sdk.CreateTracerProviderBuilder().SetResourceBuilder(resource).AddSource(name)
            .AddOtlpExporter(o => { Otlp(o, "traces"); o.ExportProcessorType = ExportProcessorType.Simple; }).Build())
        using (var logging = LoggerFactory.Create(b => b.AddOpenTelemetry(o =>
            {
                o.SetResourceBuilder(resource);
                o.AddOtlpExporter(e => Otlp(e, "logs"));
            })))
        {
            using (var parent = source.StartActivity("parent work", ActivityKind.Server))
            {
                parent!.SetTag("reports.job.id", "job-42");
                using var work = source.StartActivity("child work");
                logging.CreateLogger("Dashboard.Test").LogWarning("Something happened to {Thing}", "the widget");
                work!.SetStatus(ActivityStatusCode.Error, "it broke");
                traceId = parent.TraceId.ToHexString();
            }

            tracing.ForceFlush();
        }

        using (var meter = new Meter(name))
        using (var metrics = Sdk.CreateMeterProviderBuilder().SetResourceBuilder(resource).AddMeter(name).AddOtlpExporter(o => Otlp(o, "metrics")).Build())
        {
            meter.CreateCounter<long>("test.things").Add(5, new KeyValuePair<string, object?>("kind", "widget"));
            meter.CreateHistogram<double>("test.duration", "s").Record(2.0);
            metrics.ForceFlush();
        }

        using var http = new HttpClient { BaseAddress = new Uri(baseUrl) };
        var traces = await http.GetFromJsonAsync<JsonElement>($"/api/traces?resource={name}");
        var summary = Assert.Single(traces.EnumerateArray());
        Assert.Equal(traceId, summary.GetProperty("traceId").GetString());
        Assert.Equal("parent work", summary.GetProperty("name").GetString());
        Assert.Equal(2, summary.GetProperty("spans").GetInt32());
        Assert.Equal(1, summary.GetProperty("errors").GetInt32());

        var spans = (await http.GetFromJsonAsync<JsonElement>($"/api/traces/{traceId}")).EnumerateArray().ToList();
        var root = spans.Single(s => s.GetProperty("name").GetString() == "parent work");
        var child = spans.Single(s => s.GetProperty("name").GetString() == "child work");
        Assert.Equal(root.GetProperty("spanId").GetString(), child.GetProperty("parentSpanId").GetString());
        Assert.Equal("server", root.GetProperty("kind").GetString());
        Assert.Equal("job-42", root.GetProperty("attributes").GetProperty("reports.job.id").GetString());
        Assert.Equal(name + "-0", root.GetProperty("instance").GetString());
        Assert.Equal("error", child.GetProperty("status").GetString());

        var logs = await http.GetFromJsonAsync<JsonElement>($"/api/logs?resource={name}&level=Warning&text=widget");
        var log = Assert.Single(logs.EnumerateArray());
        Assert.Equal("Something happened to the widget", log.GetProperty("message").GetString());
        Assert.Equal("Warning", log.GetProperty("level").GetString());
        Assert.Equal("Dashboard.Test", log.GetProperty("category").GetString());
        Assert.Equal(traceId, log.GetProperty("traceId").GetString()); // logged inside the span: correlated
        Assert.Empty((await http.GetFromJsonAsync<JsonElement>($"/api/logs?resource={name}&level=Error")).EnumerateArray());

        var counter = Assert.Single((await http.GetFromJsonAsync<JsonElement>($"/api/metrics/series?name=test.things&resource={name}")).EnumerateArray());
        Assert.Equal("counter", counter.GetProperty("kind").GetString());
        Assert.Equal("widget", counter.GetProperty("attributes").GetProperty("kind").GetString());
        Assert.Equal(5, counter.GetProperty("points").EnumerateArray().Last().GetProperty("value").GetDouble());
        var histogram = Assert.Single((await http.GetFromJsonAsync<JsonElement>($"/api/metrics/series?name=test.duration&resource={name}")).EnumerateArray());
        var point = histogram.GetProperty("points").EnumerateArray().Last();
        Assert.Equal(1, point.GetProperty("count").GetInt64());
        Assert.Equal(2.0, point.GetProperty("value").GetDouble());
        var listed = await http.GetFromJsonAsync<JsonElement>("/api/metrics");
        Assert.Contains(listed.EnumerateArray(), m => m.GetProperty("service").GetString() == name && m.GetProperty("name").GetString() == "test.duration");
    }

    [Fact]
    public async Task The_dashboard_serves_its_page_and_refuses_otlp_json()
    {
        var port = FreePort.Next();
        await using var dashboard = await DashboardServer.StartAsync(port, new ResourceNotifications(), new ResourceLogs(), new ResourceControls(), CancellationToken.None);
        using var http = new HttpClient { BaseAddress = new Uri($"http://localhost:{port}") };
        Assert.Contains("developer dashboard", await http.GetStringAsync(new Uri("/", UriKind.Relative)), StringComparison.Ordinal);
        Assert.Contains("function showTrace", await http.GetStringAsync(new Uri("/dashboard.js", UriKind.Relative)), StringComparison.Ordinal);
        using var json = await http.PostAsync(new Uri("/v1/traces", UriKind.Relative), JsonContent.Create(new { resourceSpans = Array.Empty<object>() }));
        Assert.Equal(System.Net.HttpStatusCode.UnsupportedMediaType, json.StatusCode);
    }
}
