using System.ComponentModel.DataAnnotations;

namespace Reports.Api.Auth;

/// <summary>Authentication settings (<c>Reports:Auth</c>).</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Reports:Auth";

    /// <summary>
    /// An admin API key accepted from the first start, to create the other keys with. Keep it secret. The key configured at
    /// a start is the only bootstrap key that works: a changed or removed (unset or empty) setting revokes the previous one.
    /// </summary>
    [RegularExpression(@"^[\s\S]{24,256}$", ErrorMessage = "Reports:Auth:BootstrapAdminKey must have 24 to 256 characters (or be empty: no bootstrap key).")]
    public string? BootstrapAdminKey { get; set; }

    /// <summary>The owner name of the bootstrap admin key.</summary>
    public string BootstrapAdminOwner { get; set; } = "admin";
}
