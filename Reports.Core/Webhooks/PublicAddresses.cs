using System.Net;
using System.Net.Sockets;

namespace Reports.Core.Webhooks;

/// <summary>
/// The address ranges a webhook may reach: public unicast only. IPv4 is a list of refused ranges; IPv6 is an allow
/// list (global unicast 2000::/3 minus its special blocks), so a range nobody thought of is refused, not let through.
/// </summary>
internal static class PublicAddresses
{
    /// <summary>
    /// The IPv4 address an IPv6 address leads to: IPv4-mapped (::ffff:0:0/96), IPv4-translated (::ffff:0:0:0/96),
    /// IPv4-compatible (::/96, deprecated but still routed by some stacks), NAT64 (64:ff9b::/96, the well-known prefix a
    /// DNS64 resolver answers with) and 6to4 (2002::/16). Null for an IPv4 address or any other IPv6 one.
    /// </summary>
    public static IPAddress? EmbeddedIPv4(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return null;
        }

        var b = address.GetAddressBytes();
        if (b.AsSpan(0, 10).IndexOfAnyExcept((byte)0) < 0 && ((b[10] == 0xFF && b[11] == 0xFF) || (b[10] == 0 && b[11] == 0)))
        {
            return new IPAddress(b.AsSpan(12, 4)); // ::ffff:a.b.c.d and ::a.b.c.d (:: and ::1 included: 0.0.0.0, 0.0.0.1)
        }

        if (b.AsSpan(0, 8).IndexOfAnyExcept((byte)0) < 0 && b[8] == 0xFF && b[9] == 0xFF && b[10] == 0 && b[11] == 0)
        {
            return new IPAddress(b.AsSpan(12, 4)); // ::ffff:0:a.b.c.d
        }

        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B && b.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0)
        {
            return new IPAddress(b.AsSpan(12, 4)); // 64:ff9b::a.b.c.d
        }

        return b[0] == 0x20 && b[1] == 0x02 ? new IPAddress(b.AsSpan(2, 4)) : null; // 2002:aabb:ccdd::/48
    }

    /// <summary>
    /// Cloud instance metadata and host agent endpoints, which hand out credentials: AWS, GCP, Azure, Oracle and
    /// OpenStack's 169.254.169.254 (and AWS's fd00:ec2::254, its ECS task endpoint 169.254.170.2 and time server
    /// 169.254.169.123), Azure's wire server 168.63.129.16, Alibaba's 100.100.100.200. Never a webhook target, whatever
    /// the configuration allows.
    /// </summary>
    public static bool IsCloudMetadata(IPAddress address) => MetadataAddresses.Contains(address);

    private static readonly HashSet<IPAddress> MetadataAddresses =
    [
        IPAddress.Parse("169.254.169.254"), IPAddress.Parse("169.254.169.123"), IPAddress.Parse("169.254.170.2"),
        IPAddress.Parse("168.63.129.16"), IPAddress.Parse("100.100.100.200"), IPAddress.Parse("fd00:ec2::254"),
    ];

    public static bool IsPublic(IPAddress address)
    {
        var b = address.GetAddressBytes();
        return address.AddressFamily == AddressFamily.InterNetworkV6 ? IsPublicV6(b) : IsPublicV4(b);
    }

    private static bool IsPublicV4(byte[] b) =>
        !(b[0] == 0 || b[0] == 10 || b[0] == 127 || b[0] >= 224                 // this network, private, loopback, multicast/reserved
          || (b[0] == 100 && b[1] >= 64 && b[1] <= 127)                          // carrier-grade NAT (and Alibaba's metadata)
          || (b[0] == 169 && b[1] == 254)                                        // link-local (cloud metadata 169.254.169.254)
          || (b[0] == 168 && b[1] == 63 && b[2] == 129 && b[3] == 16)           // Azure's wire server (host agent, DNS)
          || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)
          || (b[0] == 192 && b[1] == 168)
          || (b[0] == 192 && b[1] == 0 && (b[2] == 0 || b[2] == 2))              // IETF protocol assignments, TEST-NET-1
          || (b[0] == 192 && b[1] == 88 && b[2] == 99)                           // 6to4 relay anycast
          || (b[0] == 198 && (b[1] == 18 || b[1] == 19))                         // benchmarking
          || (b[0] == 198 && b[1] == 51 && b[2] == 100)                          // TEST-NET-2
          || (b[0] == 203 && b[1] == 0 && b[2] == 113));                         // TEST-NET-3

    /// <summary>
    /// Global unicast (2000::/3) only, without Teredo and the other IETF assignments (2001::/23: Teredo's embedded
    /// client address is obfuscated and reached through relays outside our control, so it is refused, not decoded),
    /// documentation (2001:db8::/32, 3fff::/20). Everything outside 2000::/3 (unique local fc00::/7, link-local,
    /// site-local, multicast, NAT64's local-use 64:ff9b:1::/48, discard 100::/64, ...) is not public.
    /// </summary>
    private static bool IsPublicV6(byte[] b) =>
        (b[0] & 0xE0) == 0x20
        && !(b[0] == 0x20 && b[1] == 0x01 && b[2] <= 0x01)                        // 2001::/23
        && !(b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8)        // 2001:db8::/32
        && !(b[0] == 0x3F && b[1] == 0xFF && (b[2] & 0xF0) == 0);               // 3fff::/20
}
