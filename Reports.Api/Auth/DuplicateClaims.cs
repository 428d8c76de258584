using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace Reports.Api.Auth;

/// <summary>
/// Whether a token's payload names a claim twice (<c>{"sub":"alice",…,"sub":"bob"}</c>). RFC 7519 lets a parser either
/// refuse such a token or read the last member; the token library reads one silently, and another reader of the same token
/// (a gateway, the provider's own logs) may read the other. The owner must never depend on which: such a token is refused.
/// </summary>
internal static class DuplicateClaims
{
    /// <summary>The first claim named twice at the top level of the base64url <paramref name="encodedPayload"/>, or null.</summary>
    public static string? Find(string encodedPayload)
    {
        var reader = new Utf8JsonReader(Base64UrlEncoder.DecodeBytes(encodedPayload), new JsonReaderOptions { MaxDepth = 64 });
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null; // not an object: the token library has refused it already
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            if (!names.Add(name))
            {
                return name;
            }

            reader.Read();
            reader.Skip();
        }

        return null;
    }
}
