using System.Security.Cryptography;
using System.Text;

namespace Reports.Core.Access;

/// <summary>
/// Key format <c>rpt_&lt;prefix&gt;_&lt;secret&gt;</c>: 12 hex characters to find the key, 32 random bytes (base64url) to prove it.
/// Only SHA-256 of the whole key is stored; the keys are random, so a fast hash is enough.
/// </summary>
public static class ApiKeySecrets
{
    private const string Scheme = "rpt";

    public static (string Key, string Prefix) Generate()
    {
        var prefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return ($"{Scheme}_{prefix}_{secret}", prefix);
    }

    /// <summary>The lookup prefix: from the key itself, or derived from it for a configured key of another shape.</summary>
    public static string PrefixOf(string key)
    {
        var parts = key.Split('_', 3);
        return parts is [Scheme, { Length: 12 } prefix, { Length: > 0 }] && prefix.All(Uri.IsHexDigit)
            ? prefix
            : "cfg" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..9];
    }

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    public static bool Matches(string key, byte[] storedHash) => CryptographicOperations.FixedTimeEquals(Hash(key), storedHash);
}
