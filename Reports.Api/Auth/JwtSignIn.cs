using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Reports.Core.Access;

namespace Reports.Api.Auth;

/// <summary>
/// Access tokens (JWT) of the configured identity provider, validated with the keys of its JWKS (read through OpenID
/// Connect discovery, read again for a token with an unknown key id, so a rotated key works without a restart), and
/// turned into the same caller as an API key: an owner and a role.
/// </summary>
internal static class JwtSignIn
{
    public const string SchemeName = "Jwt";

    /// <summary>Claim with the token's expiry (Unix seconds): a live progress stream ends when its token does.</summary>
    public const string ExpiresClaim = "token_expires";

    /// <summary>Asymmetric algorithms only: no shared secrets, and never <c>none</c>.</summary>
    public static readonly string[] Algorithms =
    [
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
    ];

    public static AuthenticationBuilder AddJwtSignIn(this AuthenticationBuilder authentication)
    {
        authentication.AddJwtBearer(SchemeName, _ => { });
        authentication.Services.AddOptions<JwtBearerOptions>(SchemeName).Configure<IOptions<JwtOptions>>((bearer, jwtOptions) =>
        {
            var jwt = jwtOptions.Value;
            if (!jwt.Enabled)
            {
                return; // never selected (CarriesJwt): every bearer credential goes to the API key scheme
            }

            bearer.Authority = string.IsNullOrWhiteSpace(jwt.Authority) ? null : jwt.Authority;
            bearer.MetadataAddress = string.IsNullOrWhiteSpace(jwt.MetadataAddress) ? "" : jwt.MetadataAddress; // empty: under Authority
            bearer.RequireHttpsMetadata = jwt.RequireHttpsMetadata;
            bearer.MapInboundClaims = false;
            bearer.IncludeErrorDetails = false;
            bearer.RefreshOnIssuerKeyNotFound = true;
            bearer.AutomaticRefreshInterval = jwt.KeysRefreshInterval;
            bearer.RefreshInterval = jwt.KeysMinRefreshInterval;
            bearer.BackchannelTimeout = TimeSpan.FromSeconds(10);
            bearer.TokenValidationParameters = new TokenValidationParameters
            {
                ValidateIssuer = true,
                ValidIssuers = jwt.Issuers.Count > 0 ? jwt.Issuers : null, // none: the discovery document's issuer
                ValidateAudience = true,
                ValidAudiences = jwt.Audiences,
                ValidateLifetime = true,
                RequireExpirationTime = true,
                RequireSignedTokens = true,
                ValidateIssuerSigningKey = true,
                ValidAlgorithms = Algorithms,
                ClockSkew = jwt.ClockSkew,
                NameClaimType = jwt.OwnerClaim,
                RoleClaimType = jwt.RoleClaim,
            };
            bearer.Events = new JwtBearerEvents
            {
                OnTokenValidated = context =>
                {
                    if (context.SecurityToken is JsonWebToken token && DuplicateClaims.Find(token.EncodedPayload) is { } duplicate)
                    {
                        context.Fail(new RefusedTokenException($"The token names the claim '{Printable(duplicate)}' more than once."));
                        return Task.CompletedTask;
                    }

                    context.Principal = Caller(context.Principal!, jwt, context.SecurityToken.ValidTo, out var refusal);
                    if (refusal is not null)
                    {
                        context.Fail(refusal);
                    }

                    return Task.CompletedTask;
                },
                // Until the provider's keys have been read (at start, then retried in the background: IdentityProviderKeys),
                // a token is answered 503 at once: no request waits on the provider, nor makes the API call it.
                OnMessageReceived = context =>
                {
                    var keys = context.HttpContext.RequestServices.GetRequiredService<IdentityProviderKeys>();
                    if (!keys.Current.Ready)
                    {
                        context.Fail(new IdentityProviderUnavailableException(keys.RetryAfter()));
                    }

                    return Task.CompletedTask;
                },
                OnChallenge = context =>
                {
                    context.HandleResponse();
                    return AuthChallenges.RefusedTokenAsync(context.HttpContext, context.AuthenticateFailure);
                },
                OnForbidden = context => AuthChallenges.ForbiddenAsync(context.HttpContext),
            };
        });

        // The provider's JWKS is the truth: a key it no longer publishes stops working once the keys are read again. The
        // library's default keeps accepting tokens of the previous keys ("last known good") for an hour, which would keep a
        // key the provider withdrew (compromised) working. Providers publish a new key before signing with it and keep the
        // old one until its tokens have expired, so a planned rotation needs no such grace.
        authentication.Services.AddOptions<JwtBearerOptions>(SchemeName).PostConfigure(bearer =>
        {
            if (bearer.ConfigurationManager is BaseConfigurationManager manager)
            {
                manager.UseLastKnownGoodConfiguration = false;
            }
        });
        return authentication;
    }

    /// <summary>
    /// Whether the request's credential is a JWT (<c>Authorization: Bearer</c> with three dot-separated parts, the first a
    /// JSON object in base64url): API keys (<c>rpt_…</c>) never look like one.
    /// </summary>
    public static bool CarriesJwt(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var token = authorization.AsSpan("Bearer ".Length).Trim();
        return token.StartsWith("eyJ", StringComparison.Ordinal) && token.Count('.') == 2;
    }

    /// <summary>The caller a validated token stands for, or a refusal when it names no usable owner.</summary>
    internal static ClaimsPrincipal Caller(ClaimsPrincipal token, JwtOptions jwt, DateTime validTo, out RefusedTokenException? refusal)
    {
        // Claim names exactly as configured: 'Sub' or 'SUB' is another claim, which a provider may let users set.
        var owners = token.Claims.Where(c => string.Equals(c.Type, jwt.OwnerClaim, StringComparison.Ordinal)).ToList();
        refusal = owners.Count switch
        {
            0 => new RefusedTokenException($"The token has no '{jwt.OwnerClaim}' claim to name its owner."),
            > 1 => new RefusedTokenException($"The token's '{jwt.OwnerClaim}' claim has several values; exactly one names its owner."),
            _ when owners[0].Value.Length == 0 || !JwtOptions.IsValidOwner(jwt.OwnerPrefix + owners[0].Value) => new RefusedTokenException(
                $"The token's '{jwt.OwnerClaim}' claim cannot name an owner: with the prefix '{jwt.OwnerPrefix}' it must make 1 to 64 letters, digits, '.', '_', '-' or '@'."),
            _ => null,
        };
        if (refusal is not null)
        {
            return token;
        }

        var admin = jwt.AdminRole is { } adminRole && RolesOf(token, jwt.RoleClaim).Contains(adminRole, StringComparer.Ordinal);
        return new ClaimsPrincipal(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, jwt.OwnerPrefix + owners[0].Value),
            new Claim(ClaimTypes.Role, admin ? Roles.Admin : Roles.User),
            new Claim(ExpiresClaim, new DateTimeOffset(DateTime.SpecifyKind(validTo, DateTimeKind.Utc)).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)),
        ], SchemeName, ClaimTypes.NameIdentifier, ClaimTypes.Role));
    }

    /// <summary>
    /// The token's roles: the values of the claim named <paramref name="roleClaim"/> exactly (an array gives one claim per
    /// element; a string may hold several, space-separated), or else, for a dotted name, the value at that path inside a
    /// JSON object claim (Keycloak's <c>realm_access.roles</c>).
    /// </summary>
    internal static IEnumerable<string> RolesOf(ClaimsPrincipal token, string roleClaim)
    {
        var direct = token.Claims.Where(c => string.Equals(c.Type, roleClaim, StringComparison.Ordinal)).ToList();
        if (direct.Count > 0)
        {
            return direct.SelectMany(c => SplitRoles(c.Value));
        }

        // Only a claim the token holds as a JSON object: a string claim whose text happens to be JSON (a user-editable
        // attribute mapped into the token, say) must not be able to name roles.
        var path = roleClaim.Split('.');
        if (path.Length < 2
            || token.Claims.FirstOrDefault(c => string.Equals(c.Type, path[0], StringComparison.Ordinal)) is not { } root
            || root.ValueType != Microsoft.IdentityModel.JsonWebTokens.JsonClaimValueTypes.Json)
        {
            return [];
        }

        try
        {
            using var document = JsonDocument.Parse(root.Value);
            var node = document.RootElement;
            foreach (var name in path.Skip(1))
            {
                if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty(name, out node))
                {
                    return [];
                }
            }

            return node.ValueKind switch
            {
                JsonValueKind.String => [.. SplitRoles(node.GetString()!)],
                JsonValueKind.Array => [.. node.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).SelectMany(e => SplitRoles(e.GetString()!))],
                _ => [],
            };
        }
        catch (JsonException)
        {
            return []; // a plain string claim: no path inside it
        }
    }

    /// <summary>A claim name as it may appear in a problem and a WWW-Authenticate header: printable ASCII, no quotes, at most 100 characters.</summary>
    private static string Printable(string name) =>
        name.Length <= 100 && name.All(c => c is >= ' ' and <= '~' and not '"' and not '\\') ? name : "(a name that cannot be shown)";

    private static string[] SplitRoles(string value) => value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>A token that validated but cannot be used; its message is safe to show to the caller.</summary>
internal sealed class RefusedTokenException(string message) : Exception(message);

/// <summary>The identity provider's keys have not been read (yet): retry after <see cref="RetryAfter"/>.</summary>
internal sealed class IdentityProviderUnavailableException(TimeSpan retryAfter) : Exception("The identity provider's signing keys have not been read.")
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}
