using System.IO.Compression;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Reports.AppHost.Dashboard.Otlp.Proto;

namespace Reports.AppHost.Dashboard;

/// <summary>
/// OTLP/HTTP with protobuf bodies (<c>OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf</c>): <c>POST /v1/traces</c>,
/// <c>/v1/logs</c> and <c>/v1/metrics</c>, gzip or not, answered with an empty export response (all accepted).
/// </summary>
internal static class OtlpReceiver
{
    private const string Protobuf = "application/x-protobuf";
    private const int MaxBodyBytes = 16 * 1024 * 1024;

    public static IEndpointRouteBuilder MapOtlpReceiver(this IEndpointRouteBuilder endpoints, TelemetryStore store)
    {
        endpoints.MapPost("/v1/traces", (HttpContext http, CancellationToken ct) =>
            ReceiveAsync(http, ExportTraceServiceRequest.Parser, r => store.AddSpans(OtlpConversion.Spans(r)), ct));
        endpoints.MapPost("/v1/logs", (HttpContext http, CancellationToken ct) =>
            ReceiveAsync(http, ExportLogsServiceRequest.Parser, r => store.AddLogs(OtlpConversion.Logs(r)), ct));
        endpoints.MapPost("/v1/metrics", (HttpContext http, CancellationToken ct) =>
            ReceiveAsync(http, ExportMetricsServiceRequest.Parser, r => store.AddMetrics(OtlpConversion.Metrics(r)), ct));
        return endpoints;
    }

    private static async Task<IResult> ReceiveAsync<T>(HttpContext http, MessageParser<T> parser, Action<T> store, CancellationToken cancellationToken)
        where T : IMessage<T>
    {
        if (http.Request.ContentType?.StartsWith(Protobuf, StringComparison.OrdinalIgnoreCase) != true)
        {
            return Results.Text("Only OTLP/HTTP protobuf (application/x-protobuf) is accepted.", statusCode: StatusCodes.Status415UnsupportedMediaType);
        }

        using var body = new MemoryStream();
        var source = http.Request.Headers.ContentEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase)
            ? new GZipStream(http.Request.Body, CompressionMode.Decompress)
            : http.Request.Body;
        await using (source)
        {
            await source.CopyToAsync(body, cancellationToken);
        }

        if (body.Length > MaxBodyBytes)
        {
            return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
        }

        T request;
        try
        {
            request = parser.ParseFrom(body.GetBuffer().AsSpan(0, (int)body.Length));
        }
        catch (InvalidProtocolBufferException e)
        {
            return Results.Text($"Not an OTLP protobuf message: {e.Message}", statusCode: StatusCodes.Status400BadRequest);
        }

        store(request);
        return Results.Bytes(new ExportServiceResponse().ToByteArray(), Protobuf);
    }
}
