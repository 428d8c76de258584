using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Reports.Core.Webhooks;

/// <summary>
/// The <c>Reports-Signature</c> header: <c>t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256&gt;</c> over the UTF-8 bytes of
/// <c>"&lt;t&gt;."</c> followed by the exact body, keyed with the UTF-8 bytes of the owner's secret (<c>whsec_…</c>).
/// The timestamp inside the signed text lets a receiver refuse replays of old deliveries.
/// </summary>
public static class WebhookSignature
{
    public const string Header = "Reports-Signature";
    public const string DeliveryHeader = "Reports-Delivery";
    public const string EventHeader = "Reports-Event";

    public static string Create(string secret, long unixSeconds, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(unixSeconds.ToString(CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed);
        return string.Create(CultureInfo.InvariantCulture, $"t={unixSeconds},v1={Convert.ToHexStringLower(mac)}");
    }
}
