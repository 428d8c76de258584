using System.Net;
using Microsoft.Extensions.Options;
using Reports.Core.Webhooks;

namespace Reports.Worker.Webhooks;

/// <summary>The one HTTP client of webhook deliveries, over <see cref="PinnedConnections"/>; time-limited per attempt by the caller.</summary>
internal sealed class WebhookHttp : IDisposable
{
    public WebhookHttp(IOptions<WebhookOptions> options)
        : this(options.Value, Dns.GetHostAddressesAsync)
    {
    }

    /// <param name="resolve">Name resolution; tests give names of their own.</param>
    internal WebhookHttp(WebhookOptions options, Func<string, CancellationToken, Task<IPAddress[]>> resolve)
    {
        Client = new HttpClient(PinnedConnections.CreateHandler(options, resolve)) { Timeout = Timeout.InfiniteTimeSpan };
        Client.DefaultRequestHeaders.UserAgent.ParseAdd("Reports-Webhooks/1.0");
    }

    public HttpClient Client { get; }

    public void Dispose() => Client.Dispose();
}
