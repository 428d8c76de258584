using System.Net;

namespace Reports.Core.Webhooks;

/// <summary>
/// Which webhook targets may be called (SSRF protection): http(s) only, and only public addresses unless the
/// configuration allows loopback or private networks; cloud metadata endpoints never. Checked on the URL when a report is requested and again on
/// every resolved address when a delivery connects.
/// </summary>
public static class WebhookTargets
{
    private const string CloudMetadata = "Cloud metadata endpoints are never allowed.";

    /// <summary>Names of metadata services (their addresses are refused too, whatever name leads to them).</summary>
    private static readonly HashSet<string> MetadataHosts = new(StringComparer.OrdinalIgnoreCase)
    {
        "metadata.google.internal", "metadata.goog", "metadata", "instance-data", "instance-data.ec2.internal",
    };

    /// <summary>Why <paramref name="url"/> may not be a webhook target, or null when it may.</summary>
    public static string? Refusal(Uri url, WebhookOptions options)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(options);
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

        if (MetadataHosts.Contains(url.IdnHost.TrimEnd('.')))
        {
            return CloudMetadata;
        }

        return url.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || url.Host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
            ? (options.AllowLoopback ? null : "Loopback targets are not allowed.")
            : null;
    }

    /// <summary>
    /// Why a resolved address may not be connected to, or null when it may. An IPv6 address that carries an IPv4 one
    /// (mapped, IPv4-compatible, NAT64, 6to4) is judged by the IPv4 address it leads to.
    /// </summary>
    public static string? Refusal(IPAddress address, WebhookOptions options)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(options);
        if (IPAddress.IsLoopback(address))
        {
            return options.AllowLoopback ? null : "Loopback targets are not allowed.";
        }

        if (PublicAddresses.IsCloudMetadata(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address))
        {
            return CloudMetadata; // even with private networks allowed: these hand out the host's credentials
        }

        if (PublicAddresses.EmbeddedIPv4(address) is { } embedded)
        {
            return Refusal(embedded, options) is { } refusal ? $"The address {address} leads to {embedded}. {refusal}" : null;
        }

        return PublicAddresses.IsPublic(address) || options.AllowPrivateNetworks ? null : $"The address {address} is not public.";
    }
}
