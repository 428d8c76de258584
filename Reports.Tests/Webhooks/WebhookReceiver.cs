using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Reports.Tests.Webhooks;

/// <summary>A webhook receiver on a free loopback port (Kestrel): records every request and answers the scripted codes, then 200.</summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<int> _answers;
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();

    private WebhookReceiver(WebApplication app, IEnumerable<int> answers)
    {
        _app = app;
        _answers = new ConcurrentQueue<int>(answers);
    }

    /// <summary>Where to send webhooks: a path of its own on the receiver.</summary>
    public Uri Url => new($"{_app.Urls.First()}/hooks/reports");

    public IReadOnlyList<ReceivedWebhook> Received => [.. _received];

    public static Task<WebhookReceiver> StartAsync(params int[] answers) => StartOnAsync(0, answers);

    /// <summary>A receiver on <paramref name="port"/> (0: any free one), e.g. where deliveries failed while nothing listened.</summary>
    public static async Task<WebhookReceiver> StartOnAsync(int port, params int[] answers)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, answers);
        app.MapPost("/hooks/reports", receiver.ReceiveAsync);
        await app.StartAsync();
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task<IResult> ReceiveAsync(HttpRequest request)
    {
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, request.HttpContext.RequestAborted);
        _received.Enqueue(new ReceivedWebhook(
            request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body.ToArray()));
        return Results.StatusCode(_answers.TryDequeue(out var code) ? code : StatusCodes.Status200OK);
    }
}

internal sealed record ReceivedWebhook(IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string Header(string name) => Headers.TryGetValue(name, out var value) ? value : "";
}
