using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Text.RegularExpressions;

namespace Reports.Api.Auth;

/// <summary>
/// Sign-in with a team's identity provider (<c>Reports:Auth:Jwt</c>): its access tokens (JWT) accepted beside API keys.
/// Off unless <see cref="Authority"/> or <see cref="MetadataAddress"/> is set.
/// </summary>
public sealed partial class JwtOptions : IValidatableObject
{
    public const string SectionName = "Reports:Auth:Jwt";
    private const string Prefix = "Reports:Auth:Jwt:";

    /// <summary>The provider's issuer URL; its OpenID Connect discovery document is at <c>{Authority}/.well-known/openid-configuration</c>.</summary>
    public string? Authority { get; set; }

    /// <summary>The discovery document's URL, when it is not under <see cref="Authority"/>.</summary>
    public string? MetadataAddress { get; set; }

    /// <summary>Discovery and keys over HTTPS only; false is allowed for a provider on a loopback address (development).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>The accepted <c>iss</c>; by default the issuer the discovery document names.</summary>
    public string? Issuer { get; set; }

    /// <summary>More accepted issuers (e.g. a multi-tenant provider's), in addition to <see cref="Issuer"/>.</summary>
    public string[] ValidIssuers { get; set; } = [];

    /// <summary>The <c>aud</c> a token must carry: this API's identifier at the provider (required).</summary>
    public string? Audience { get; set; }

    /// <summary>More accepted audiences, in addition to <see cref="Audience"/>.</summary>
    public string[] ValidAudiences { get; set; } = [];

    /// <summary>The claim whose value names the caller (exactly one value): the owner is <see cref="OwnerPrefix"/> and this value.</summary>
    public string OwnerClaim { get; set; } = "sub";

    /// <summary>
    /// Allows a mutable or reassignable claim (<c>email</c>, <c>preferred_username</c>, <c>upn</c>…) as <see cref="OwnerClaim"/>:
    /// a renamed user would lose their reports, and a reassigned name would give another person the old one's.
    /// </summary>
    public bool AllowMutableOwnerClaim { get; set; }

    /// <summary>
    /// Put before the claim's value to make the owner: tokens' owners all begin with it, and no API key's owner may
    /// (<see cref="IsTokenOwner"/>), so a token can never act as a key's owner. Required; <c>idp.</c> by default.
    /// </summary>
    public string OwnerPrefix { get; set; } = "idp.";

    /// <summary>
    /// The claim that carries the caller's roles (a string, space-separated values, or an array of strings); a dotted path
    /// into a JSON object claim (e.g. Keycloak's <c>realm_access.roles</c>) when no claim has the name itself.
    /// </summary>
    public string RoleClaim { get; set; } = "roles";

    /// <summary>The role value that makes the caller an admin; unset: no token is an admin.</summary>
    public string? AdminRole { get; set; }

    /// <summary>Tolerated clock difference with the provider for <c>exp</c> and <c>nbf</c>.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the discovery document and the signing keys are read again on their own.</summary>
    public TimeSpan KeysRefreshInterval { get; set; } = TimeSpan.FromHours(12);

    /// <summary>
    /// The shortest time between two reads of the keys asked for by a token with an unknown key id (a rotated key): tokens
    /// with made-up key ids cannot make the API call the provider more often than this.
    /// </summary>
    public TimeSpan KeysMinRefreshInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long the API waits at start for the provider's keys before it starts without them (and keeps trying in the background).</summary>
    public TimeSpan KeysStartTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>On when the provider is configured.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(Authority) || !string.IsNullOrWhiteSpace(MetadataAddress);

    /// <summary>Every audience a token may carry.</summary>
    public IReadOnlyList<string> Audiences => [.. new[] { Audience }.Concat(ValidAudiences).OfType<string>().Where(a => a.Length > 0).Distinct(StringComparer.Ordinal)];

    /// <summary>Claims a provider lets users change or reassigns to another person: refused as the owner claim unless allowed.</summary>
    public static readonly IReadOnlySet<string> MutableClaims = new HashSet<string>(
        ["email", "preferred_username", "upn", "unique_name", "name", "nickname", "given_name", "family_name", "username", "login"], StringComparer.OrdinalIgnoreCase);

    /// <summary>What every owner looks like, an API key's or a token's (prefix included): 1 to 64 letters, digits, '.', '_', '-' or '@'.</summary>
    public static bool IsValidOwner(string owner) => OwnerPattern().IsMatch(owner);

    /// <summary>Whether <paramref name="owner"/> is in the tokens' namespace (begins with the prefix, in any case): never an API key's owner.</summary>
    public bool IsTokenOwner(string owner) => OwnerPrefix.Length > 0 && owner.StartsWith(OwnerPrefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>Every issuer configured (none: the discovery document's).</summary>
    public IReadOnlyList<string> Issuers => [.. new[] { Issuer }.Concat(ValidIssuers).OfType<string>().Where(a => a.Length > 0).Distinct(StringComparer.Ordinal)];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // Checked even when sign-in is off: the prefix reserves the tokens' owners, which API keys may not take.
        if (OwnerPrefix is null || !OwnerPrefixPattern().IsMatch(OwnerPrefix))
        {
            yield return new ValidationResult($"{Prefix}OwnerPrefix must have 1 to 32 letters, digits, '.', '_', '-' or '@' (no ':'), e.g. 'idp.'; it is '{OwnerPrefix}'. "
                + "It keeps the provider's users apart from the API keys' owners.");
        }

        if (!Enabled)
        {
            if (Audiences.Count > 0 || Issuers.Count > 0 || AdminRole is not null)
            {
                yield return new ValidationResult($"{Prefix}Audience, Issuer or AdminRole is set, but neither {Prefix}Authority nor {Prefix}MetadataAddress: "
                    + "set the provider's Authority to turn sign-in with tokens on, or remove the other settings.");
            }

            yield break;
        }

        foreach (var (name, value) in new[] { ("Authority", Authority), ("MetadataAddress", MetadataAddress) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                continue;
            }

            if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            {
                yield return new ValidationResult($"{Prefix}{name} must be an absolute http(s) URL; it is '{value}'.");
            }
            else if (uri.Scheme == Uri.UriSchemeHttp && RequireHttpsMetadata)
            {
                yield return new ValidationResult($"{Prefix}{name} must use https ('{value}'); {Prefix}RequireHttpsMetadata=false is allowed only for a provider on a loopback address.");
            }
            else if (!RequireHttpsMetadata && !IsLoopback(uri))
            {
                yield return new ValidationResult($"{Prefix}RequireHttpsMetadata=false is allowed only for a provider on a loopback address (development); {Prefix}{name} is '{value}'.");
            }
        }

        if (Audiences.Count == 0)
        {
            yield return new ValidationResult($"{Prefix}Audience is required: the identifier of this API at the provider, which every token must carry in 'aud'.");
        }

        foreach (var (name, value) in new[] { ("OwnerClaim", OwnerClaim), ("RoleClaim", RoleClaim) })
        {
            if (value is null || !ClaimName().IsMatch(value))
            {
                yield return new ValidationResult($"{Prefix}{name} must be a claim name (1 to 100 letters, digits, '_', '-', ':', '/' or '.'); it is '{value}'.");
            }
        }

        if (OwnerClaim is not null && MutableClaims.Contains(OwnerClaim) && !AllowMutableOwnerClaim)
        {
            yield return new ValidationResult($"{Prefix}OwnerClaim '{OwnerClaim}' can change or pass to another person at the provider: use a stable identifier "
                + $"('sub', or 'oid' for Entra ID), or set {Prefix}AllowMutableOwnerClaim=true if the provider guarantees it never changes or is reassigned.");
        }

        if (AdminRole is { } admin && (admin.Length is 0 or > 200 || admin.Any(char.IsWhiteSpace)))
        {
            yield return new ValidationResult($"{Prefix}AdminRole must have 1 to 200 characters and no spaces (or be unset: no token is an admin).");
        }

        if (ClockSkew < TimeSpan.Zero || ClockSkew > TimeSpan.FromMinutes(5))
        {
            yield return new ValidationResult($"{Prefix}ClockSkew must be between 00:00:00 and 00:05:00; it is {ClockSkew}.");
        }

        // The bounds of Microsoft.IdentityModel's ConfigurationManager, which refuses shorter intervals.
        if (KeysMinRefreshInterval < TimeSpan.FromSeconds(1) || KeysMinRefreshInterval > TimeSpan.FromDays(1))
        {
            yield return new ValidationResult($"{Prefix}KeysMinRefreshInterval must be between 00:00:01 and 1.00:00:00; it is {KeysMinRefreshInterval}.");
        }

        if (KeysStartTimeout < TimeSpan.Zero || KeysStartTimeout > TimeSpan.FromMinutes(5))
        {
            yield return new ValidationResult($"{Prefix}KeysStartTimeout must be between 00:00:00 and 00:05:00; it is {KeysStartTimeout}.");
        }

        if (KeysRefreshInterval < TimeSpan.FromMinutes(5) || KeysRefreshInterval > TimeSpan.FromDays(7))
        {
            yield return new ValidationResult($"{Prefix}KeysRefreshInterval must be between 00:05:00 and 7.00:00:00; it is {KeysRefreshInterval}.");
        }
    }

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    [GeneratedRegex(@"^[A-Za-z0-9_\-:/.]{1,100}$")]
    private static partial Regex ClaimName();

    [GeneratedRegex(@"^[A-Za-z0-9._@-]{1,32}$")]
    private static partial Regex OwnerPrefixPattern();

    [GeneratedRegex(@"^[A-Za-z0-9._@-]{1,64}$")]
    private static partial Regex OwnerPattern();
}
