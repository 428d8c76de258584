using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Reports.Core.Webhooks;
using Reports.Worker.Webhooks;

namespace Reports.Tests.Webhooks;

/// <summary>
/// The worker's webhook client as the worker registers it (IHttpClientFactory, pinned connections, the resilience
/// pipeline), with this test's settings and name resolution, beside the defaults ServiceDefaults gives every other client.
/// </summary>
internal sealed class WebhookClients : IDisposable
{
    private readonly ServiceProvider _services;

    public WebhookClients(WebhookOptions options, Func<string, CancellationToken, Task<IPAddress[]>> resolve)
    {
        var services = new ServiceCollection();
        services.AddSingleton(Options.Create(options));
        services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler()); // as ServiceDefaults does
        services.AddWebhookHttpClient(resolve);
        _services = services.BuildServiceProvider();
    }

    public IHttpClientFactory Factory => _services.GetRequiredService<IHttpClientFactory>();

    /// <summary>A client from the factory (the factory owns its handler).</summary>
    public HttpClient Client => Factory.CreateWebhookClient();

    public void Dispose() => _services.Dispose();
}
