using System.ComponentModel.DataAnnotations;

namespace Reports.Api.Auth;

/// <summary>Authentication settings (<c>Reports:Auth</c>).</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Reports:Auth";

    /// <summary>An admin API key accepted from the first start, to create the other keys with. Keep it secret.</summary>
    [MinLength(24)]
    public string? BootstrapAdminKey { get; set; }

    /// <summary>The owner name of the bootstrap admin key.</summary>
    public string BootstrapAdminOwner { get; set; } = "admin";
}
