using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Reports.Core.Access;

namespace Reports.Api.Auth;

/// <summary>Authenticates <c>Authorization: Bearer &lt;key&gt;</c> or <c>X-Api-Key: &lt;key&gt;</c> against the stored key hashes.</summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyStore keys,
    IOptions<JwtOptions> jwt)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string KeyIdClaim = "key_id";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = Presented(Request);
        if (presented is null)
        {
            return AuthenticateResult.NoResult();
        }

        if (presented.Length is < 16 or > 256)
        {
            return AuthenticateResult.Fail("Malformed API key.");
        }

        var key = await keys.AuthenticateAsync(presented, Context.RequestAborted);
        if (key is null)
        {
            return AuthenticateResult.Fail("Unknown or revoked API key.");
        }

        // Keys created before the prefix was set (or changed) must not act for the identity provider's users.
        if (jwt.Value.IsTokenOwner(key.Owner))
        {
            return AuthenticateResult.Fail("This API key's owner is in the identity provider's owner namespace (Reports:Auth:Jwt:OwnerPrefix); issue a key for another owner.");
        }

        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, key.Owner),
            new Claim(ClaimTypes.Role, key.Role),
            new Claim(KeyIdClaim, key.Id.ToString()),
        ], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties) =>
        await AuthChallenges.UnauthorizedAsync(Context, (await Context.AuthenticateAsync(SchemeName)).Failure?.Message);

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => AuthChallenges.ForbiddenAsync(Context);

    private static string? Presented(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization["Bearer ".Length..].Trim();
        }

        return request.Headers.TryGetValue("X-Api-Key", out var header) ? header.ToString().Trim() : null;
    }
}
