using System.Net;
using Microsoft.Extensions.Options;
using Polly;
using Reports.Core.Webhooks;

namespace Reports.Worker.Webhooks;

/// <summary>
/// The HTTP client of webhook deliveries, from IHttpClientFactory: its primary handler is <see cref="PinnedConnections"/>
/// (the resolved address checked, then connected to; no proxy, no redirects), and its one handler is a resilience
/// pipeline (Microsoft.Extensions.Http.Resilience) that limits each attempt to <see cref="WebhookOptions.Timeout"/>.
/// Retries are not the pipeline's: they are the delivery's own, stored with backoff in PostgreSQL, so they survive a
/// restart and the receiver gets each attempt once.
/// </summary>
internal static class WebhookHttpClient
{
    public const string Name = "webhooks";
    public const string PipelineName = "webhook-attempt";

    /// <param name="resolve">Name resolution; tests give names of their own (default: DNS).</param>
    public static IServiceCollection AddWebhookHttpClient(
        this IServiceCollection services, Func<string, CancellationToken, Task<IPAddress[]>>? resolve = null)
    {
        services.AddHttpClient(Name, client =>
            {
                client.Timeout = Timeout.InfiniteTimeSpan; // the pipeline's timeout limits each attempt
                client.DefaultRequestHeaders.UserAgent.ParseAdd("Reports-Webhooks/1.0");
            })
            .ConfigurePrimaryHttpMessageHandler(sp =>
                PinnedConnections.CreateHandler(sp.GetRequiredService<IOptions<WebhookOptions>>().Value, resolve ?? Dns.GetHostAddressesAsync))
            // The handler pools its connections for PooledConnectionLifetime itself; the factory need not rotate it.
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            // Not the defaults every other client gets (ServiceDefaults): no standard retries, which would send one delivery
            // several times per attempt, and no service discovery, which could turn a receiver's host into an internal service.
            .ConfigureAdditionalHttpMessageHandlers((handlers, _) => handlers.Clear())
            .AddResilienceHandler(PipelineName, (pipeline, context) =>
                pipeline.AddTimeout(context.ServiceProvider.GetRequiredService<IOptions<WebhookOptions>>().Value.Timeout));
        return services;
    }

    public static HttpClient CreateWebhookClient(this IHttpClientFactory factory) => factory.CreateClient(Name);
}
