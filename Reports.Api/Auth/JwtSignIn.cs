using System.Globalization;
using System.Security.Claims;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Reports.Core.Access;

namespace Reports.Api.Auth;

/// <summary>
/// Access tokens (JWT) of the configured identity provider, validated with the keys of its JWKS (read through OpenID
/// Connect discovery, read again for a token with an unknown key id, so a rotated key works without a restart), and
/// turned into the same caller as an API key: an owner and a role.
/// </summary>
internal static partial class JwtSignIn
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
                    context.Principal = Caller(context.Principal!, jwt, context.SecurityToken.ValidTo, out var refusal);
                    if (refusal is not null)
                    {
                        context.Fail(refusal);
                    }

                    return Task.CompletedTask;
                },
                OnChallenge = async context =>
                {
                    context.HandleResponse();
                    await AuthChallenges.RefusedTokenAsync(context.HttpContext, await ProviderFailureAsync(context) ?? context.AuthenticateFailure);
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

    /// <summary>
    /// Why the provider's keys could not be read, when they could not: the token handler then reports only the token's
    /// failure (its issuer cannot be checked), which would blame the caller for the provider's outage. Read from the
    /// cache when the keys were read before, so it asks the provider again only while it has never answered.
    /// </summary>
    private static async Task<Exception?> ProviderFailureAsync(JwtBearerChallengeContext context)
    {
        if (context.AuthenticateFailure is null or RefusedTokenException || context.Options.ConfigurationManager is not { } manager)
        {
            return null;
        }

        try
        {
            await manager.GetConfigurationAsync(context.HttpContext.RequestAborted);
            return null;
        }
        catch (InvalidOperationException e)
        {
            return e;
        }
    }

    /// <summary>The caller a validated token stands for, or a refusal when it names no usable owner.</summary>
    private static ClaimsPrincipal Caller(ClaimsPrincipal token, JwtOptions jwt, DateTime validTo, out RefusedTokenException? refusal)
    {
        var subject = token.FindFirst(jwt.OwnerClaim)?.Value;
        if (subject is null || !OwnerValue().IsMatch(subject))
        {
            refusal = new RefusedTokenException($"The token has no usable '{jwt.OwnerClaim}' claim (1 to 128 visible ASCII characters) to name its owner.");
            return token;
        }

        var roles = token.FindAll(jwt.RoleClaim).SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var admin = jwt.AdminRole is { } adminRole && roles.Contains(adminRole, StringComparer.Ordinal);
        refusal = null;
        return new ClaimsPrincipal(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, jwt.OwnerPrefix + subject),
            new Claim(ClaimTypes.Role, admin ? Roles.Admin : Roles.User),
            new Claim(ExpiresClaim, new DateTimeOffset(DateTime.SpecifyKind(validTo, DateTimeKind.Utc)).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)),
        ], SchemeName, ClaimTypes.NameIdentifier, ClaimTypes.Role));
    }

    [GeneratedRegex(@"^[\x21-\x7E]{1,128}$")]
    private static partial Regex OwnerValue();
}

/// <summary>A token that validated but cannot be used; its message is safe to show to the caller.</summary>
internal sealed class RefusedTokenException(string message) : Exception(message);
