using Microsoft.IdentityModel.Tokens;
using Reports.Api.Problems;

namespace Reports.Api.Auth;

/// <summary>
/// The 401 and 403 answers of both credentials, API keys and tokens: a problem document and an RFC 6750
/// <c>WWW-Authenticate: Bearer</c> challenge, with <c>error="invalid_token"</c> and a fixed description when a credential
/// was refused. Never the validation exception's own message: it names keys, issuers and internals.
/// </summary>
internal static class AuthChallenges
{
    public const string NoCredential = "Send an API key as 'Authorization: Bearer <key>' or 'X-Api-Key: <key>', or an access token of the configured identity provider as 'Authorization: Bearer <token>'.";
    private const string AdminNeeded = "This endpoint needs an admin API key or a token with the admin role.";

    /// <summary>401 for a request without a credential, or with one that was refused (<paramref name="description"/>, safe to show).</summary>
    public static Task UnauthorizedAsync(HttpContext context, string? description)
    {
        context.Response.Headers.WWWAuthenticate = description is null ? "Bearer" : $"Bearer error=\"invalid_token\", error_description=\"{description}\"";
        return Problems(context).WriteAsync(context, StatusCodes.Status401Unauthorized, ProblemTypes.Unauthorized, "Authentication required.",
            description ?? NoCredential);
    }

    /// <summary>
    /// 401 for a refused token, described by the kind of failure; 503 when the identity provider's keys cannot be read
    /// (its outage is not the caller's fault: retry).
    /// </summary>
    public static Task RefusedTokenAsync(HttpContext context, Exception? failure)
    {
        var unavailable = failure as IdentityProviderUnavailableException;
        if (unavailable is not null || ProviderUnreachable(failure))
        {
            // Not logged per request: IdentityProviderKeys logs each failed read, and a flood of tokens would flood the log.
            var retryAfter = unavailable?.RetryAfter ?? TimeSpan.FromSeconds(5);
            context.Response.Headers.RetryAfter = ((int)retryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Problems(context).WriteAsync(context, StatusCodes.Status503ServiceUnavailable, ProblemTypes.Unavailable, "Temporarily unavailable.",
                "The identity provider's signing keys cannot be read now; retry in a few seconds.");
        }

        return UnauthorizedAsync(context, Describe(failure));
    }

    public static Task ForbiddenAsync(HttpContext context)
    {
        context.Response.Headers.WWWAuthenticate = $"Bearer error=\"insufficient_scope\", error_description=\"{AdminNeeded}\"";
        return Problems(context).WriteAsync(context, StatusCodes.Status403Forbidden, ProblemTypes.Forbidden, "Not allowed.", AdminNeeded);
    }

    /// <summary>A fixed description per kind of refusal (most specific first: an expired token is also an invalid lifetime).</summary>
    private static string Describe(Exception? failure) => failure switch
    {
        RefusedTokenException refused => refused.Message,
        SecurityTokenExpiredException => "The token has expired.",
        SecurityTokenNotYetValidException => "The token is not valid yet.",
        SecurityTokenNoExpirationException => "The token has no expiry.",
        SecurityTokenInvalidLifetimeException => "The token's lifetime is not valid.",
        SecurityTokenInvalidIssuerException => "The token's issuer is not accepted.",
        SecurityTokenInvalidAudienceException => "The token's audience is not accepted.",
        SecurityTokenSignatureKeyNotFoundException => "The token's signing key is not one of the identity provider's keys.",
        SecurityTokenInvalidAlgorithmException => "The token's signing algorithm is not accepted (only RS, PS and ES algorithms are).",
        SecurityTokenInvalidSignatureException => "The token's signature is missing or not valid.",
        SecurityTokenMalformedException or ArgumentException => "The token cannot be read.",
        _ => "The token is not valid.",
    };

    private static bool ProviderUnreachable(Exception? failure)
    {
        for (var e = failure; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException or IOException or TimeoutException or TaskCanceledException or System.Net.Sockets.SocketException)
            {
                return true;
            }
        }

        return false;
    }

    private static ProblemResponses Problems(HttpContext context) => context.RequestServices.GetRequiredService<ProblemResponses>();
}
