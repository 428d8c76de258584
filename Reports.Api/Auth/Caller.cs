using System.Globalization;
using System.Security.Claims;
using Reports.Core.Access;

namespace Reports.Api.Auth;

/// <summary>
/// Who is calling: an owner and whether they are an admin, the same for an API key and for an identity provider's token;
/// everything keyed per caller (isolation, quotas, rate limits, stream limits) reads the owner from here.
/// </summary>
internal static class Caller
{
    public static string Owner(this ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("The caller is not authenticated.");

    public static bool IsAdmin(this ClaimsPrincipal user) => user.IsInRole(Roles.Admin);

    /// <summary>The owner whose reports this caller may see: their own; every owner's (null) for admins.</summary>
    public static string? OwnerScope(this ClaimsPrincipal user) => user.IsAdmin() ? null : user.Owner();

    /// <summary>The API key the caller used; null for a token, which has none.</summary>
    public static Guid? KeyId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(ApiKeyAuthenticationHandler.KeyIdClaim), out var id) ? id : null;

    /// <summary>When the caller's credential stops working on its own: a token's expiry; null for an API key (until revoked).</summary>
    public static DateTimeOffset? CredentialExpires(this ClaimsPrincipal user) =>
        long.TryParse(user.FindFirstValue(JwtSignIn.ExpiresClaim), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;
}
