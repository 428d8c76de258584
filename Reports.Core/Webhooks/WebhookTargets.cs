using System.Net;
using System.Net.Sockets;

namespace Reports.Core.Webhooks;

/// <summary>
/// Which webhook targets may be called (SSRF protection): http(s) only, and only public addresses unless the
/// configuration allows loopback or private networks. Checked on the URL when a report is requested and again on
/// every resolved address when a delivery connects.
/// </summary>
public static class WebhookTargets
{
    /// <summary>Why <paramref name="url"/> may not be a webhook target, or null when it may.</summary>
    public static string? Refusal(Uri url, WebhookOptions options)
    {
        if (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https"))
        {
            return "Must be an absolute http or https URL.";
        }

        if (!string.IsNullOrEmpty(url.UserInfo))
        {
            return "Must not contain user information.";
        }

        if (url.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 && IPAddress.TryParse(url.DnsSafeHost, out var address))
        {
            return Refusal(address, options);
        }

        return url.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || url.Host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
            ? (options.AllowLoopback ? null : "Loopback targets are not allowed.")
            : null;
    }

    /// <summary>Why a resolved address may not be connected to, or null when it may.</summary>
    public static string? Refusal(IPAddress address, WebhookOptions options)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address))
        {
            return options.AllowLoopback ? null : "Loopback targets are not allowed.";
        }

        return IsPublic(address) || options.AllowPrivateNetworks ? null : $"The address {address} is not public.";
    }

    private static bool IsPublic(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var bytes = address.GetAddressBytes();
            return !(address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.Equals(IPAddress.IPv6None)
                || address.Equals(IPAddress.IPv6Any) || (bytes[0] & 0xFE) == 0xFC); // fc00::/7 unique local
        }

        var b = address.GetAddressBytes();
        return !(b[0] == 0 || b[0] == 10 || b[0] == 127 || b[0] >= 224                 // this network, private, loopback, multicast/reserved
            || (b[0] == 100 && b[1] >= 64 && b[1] <= 127)                               // carrier-grade NAT
            || (b[0] == 169 && b[1] == 254)                                             // link-local (cloud metadata)
            || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)
            || (b[0] == 192 && b[1] == 168)
            || (b[0] == 192 && b[1] == 0 && b[2] == 0)                                  // IETF protocol assignments
            || (b[0] == 198 && (b[1] == 18 || b[1] == 19)));                            // benchmarking
    }
}
