using System.Security.Claims;
using Reports.Core.Access;

namespace Reports.Api.Auth;

/// <summary>Who is calling: the owner the API key belongs to, and whether it is an admin key.</summary>
internal static class Caller
{
    public static string Owner(this ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("The caller is not authenticated.");

    public static bool IsAdmin(this ClaimsPrincipal user) => user.IsInRole(Roles.Admin);

    /// <summary>The owner whose reports this caller may see: their own; every owner's (null) for admins.</summary>
    public static string? OwnerScope(this ClaimsPrincipal user) => user.IsAdmin() ? null : user.Owner();
}
