using System.Net;
using System.Net.Sockets;
using Reports.Core.Webhooks;

namespace Reports.Worker.Webhooks;

/// <summary>
/// The HTTP handler of webhook deliveries, closed against SSRF: every connection resolves the host itself, refuses it
/// if ANY resolved address is refused by <see cref="WebhookTargets"/>, and connects to a vetted address, so what was
/// checked is what is connected to (no second lookup that DNS rebinding could answer differently). No proxy, no
/// redirects, no cookies.
/// </summary>
internal static class PinnedConnections
{
    public static SocketsHttpHandler CreateHandler(WebhookOptions options, Func<string, CancellationToken, Task<IPAddress[]>> resolve) => new()
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        UseCookies = false,
        ConnectTimeout = options.Timeout,
        PooledConnectionLifetime = TimeSpan.FromMinutes(1),
        MaxResponseHeadersLength = 64,
        ConnectCallback = (context, cancellationToken) => ConnectAsync(context.DnsEndPoint, options, resolve, cancellationToken),
    };

    private static async ValueTask<Stream> ConnectAsync(
        DnsEndPoint endpoint, WebhookOptions options, Func<string, CancellationToken, Task<IPAddress[]>> resolve, CancellationToken cancellationToken)
    {
        var host = endpoint.Host.TrimStart('[').TrimEnd(']');
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await resolve(host, cancellationToken);
        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }

        foreach (var address in addresses)
        {
            if (WebhookTargets.Refusal(address, options) is { } refusal)
            {
                throw new WebhookTargetRefusedException($"{host} resolves to {address}: {refusal}");
            }
        }

        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last!;
    }
}
