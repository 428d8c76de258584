using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Reports.Tests.Webhooks;

/// <summary>
/// The verification recipe exactly as the README documents it for receivers, written independently of the product's
/// signing code: split <c>t=…,v1=…</c>, HMAC-SHA256 over <c>"{t}." + body</c> keyed with the secret, compare in fixed time.
/// </summary>
internal static class SignatureRecipe
{
    public static bool Verify(string header, byte[] body, string secret, TimeSpan tolerance)
    {
        var parts = header.Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        if (!parts.TryGetValue("t", out var t) || !parts.TryGetValue("v1", out var v1)
            || !long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return false;
        }

        var signed = Encoding.UTF8.GetBytes(t + ".").Concat(body).ToArray();
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
        var age = DateTimeOffset.UtcNow - DateTimeOffset.FromUnixTimeSeconds(seconds);
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(v1))
            && age.Duration() <= tolerance;
    }
}
