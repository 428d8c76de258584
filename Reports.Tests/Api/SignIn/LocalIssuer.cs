using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Reports.Tests.Api.SignIn;

/// <summary>
/// An identity provider on a free loopback port (Kestrel): OpenID Connect discovery and a JWKS with its own RSA and EC
/// keys, and tokens signed with them. <see cref="RotateRsaKey"/> replaces the RSA key, as a provider's key rotation does.
/// </summary>
public sealed class LocalIssuer : IAsyncDisposable
{
    public const string Audience = "api://reports-tests";
    public const string AdminRole = "reports-admin";

    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly SigningKey _ec = SigningKey.Ec("ec-1");
    private SigningKey _rsa = SigningKey.Rsa("rsa-1");
    private int _rsaGeneration = 1;
    private int _jwksReads;
    private int _discoveryReads;
    private volatile bool _down;

    private LocalIssuer(WebApplication app) => _app = app;

    /// <summary>The issuer URL (<c>iss</c>), also the authority whose discovery document the API reads.</summary>
    public string Issuer => _app.Urls.First().TrimEnd('/');

    /// <summary>How many times the JWKS was read.</summary>
    public int JwksReads => Volatile.Read(ref _jwksReads);

    /// <summary>How many times the discovery document was asked for (answered or not).</summary>
    public int DiscoveryReads => Volatile.Read(ref _discoveryReads);

    /// <summary>While true, discovery and the JWKS answer 503, as a provider in an outage does.</summary>
    public bool Down
    {
        get => _down;
        set => _down = value;
    }

    public SigningKey RsaKey
    {
        get
        {
            lock (_gate)
            {
                return _rsa;
            }
        }
    }

    public SigningKey EcKey => _ec;

    public static async Task<LocalIssuer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var issuer = new LocalIssuer(app);
        app.MapGet("/.well-known/openid-configuration", issuer.Discovery);
        app.MapGet("/jwks", issuer.Jwks);
        await app.StartAsync();
        return issuer;
    }

    /// <summary>Publishes a new RSA key in place of the current one (which is no longer published) and returns it.</summary>
    public SigningKey RotateRsaKey()
    {
        lock (_gate)
        {
            _rsa = SigningKey.Rsa($"rsa-{++_rsaGeneration}");
            return _rsa;
        }
    }

    /// <summary>A token for <paramref name="subject"/>, valid for ten minutes, signed with the current RSA key unless <paramref name="key"/> says otherwise.</summary>
    public string Token(string subject, SigningKey? key = null, string[]? roles = null, Action<SecurityTokenDescriptor>? change = null)
    {
        var now = DateTime.UtcNow;
        var claims = new Dictionary<string, object>(StringComparer.Ordinal) { ["sub"] = subject };
        if (roles is not null)
        {
            claims["roles"] = roles;
        }

        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now.AddMinutes(-1),
            NotBefore = now.AddMinutes(-1),
            Expires = now.AddMinutes(10),
            Claims = claims,
            SigningCredentials = (key ?? RsaKey).Credentials,
        };
        change?.Invoke(descriptor);
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    /// <summary>A token with <c>"alg": "none"</c> (or another spelling of it) and no signature, as an attacker would forge one.</summary>
    public string UnsignedToken(string subject, string algorithm = "none")
    {
        var header = JsonSerializer.Serialize(new Dictionary<string, object> { ["alg"] = algorithm, ["typ"] = "JWT" });
        var payload = $"{{{StandardClaimsJson(subject)}}}";
        return Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(header)) + "." + Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(payload)) + ".";
    }

    /// <summary>
    /// A token whose payload is exactly <paramref name="payloadJson"/> (no serializer in between: any nesting, any size),
    /// signed with <paramref name="key"/> (RS256) under a header of <c>alg</c>, <c>kid</c> and <c>typ</c>.
    /// </summary>
    public static string SignedRawToken(string payloadJson, SigningKey key)
    {
        var header = JsonSerializer.Serialize(new Dictionary<string, string> { ["alg"] = "RS256", ["kid"] = key.Id, ["typ"] = "JWT" });
        var signed = Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(header)) + "." + Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(payloadJson));
        var rsa = ((RsaSecurityKey)key.Credentials.Key).Rsa;
        return signed + "." + Base64UrlEncoder.Encode(rsa.SignData(Encoding.ASCII.GetBytes(signed), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    /// <summary>The standard claims of a valid token for <paramref name="subject"/> (ten minutes), as JSON members without braces.</summary>
    public string StandardClaimsJson(string subject)
    {
        var now = DateTimeOffset.UtcNow;
        var claims = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["iss"] = Issuer,
            ["aud"] = Audience,
            ["sub"] = subject,
            ["iat"] = now.AddMinutes(-1).ToUnixTimeSeconds(),
            ["nbf"] = now.AddMinutes(-1).ToUnixTimeSeconds(),
            ["exp"] = now.AddMinutes(10).ToUnixTimeSeconds(),
        });
        return claims[1..^1];
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private IResult Discovery()
    {
        Interlocked.Increment(ref _discoveryReads);
        return _down ? Results.StatusCode(StatusCodes.Status503ServiceUnavailable) : Results.Json(new Dictionary<string, object>
        {
        ["issuer"] = Issuer,
        ["jwks_uri"] = Issuer + "/jwks",
        ["authorization_endpoint"] = Issuer + "/authorize",
        ["token_endpoint"] = Issuer + "/token",
        ["response_types_supported"] = new[] { "code" },
        ["subject_types_supported"] = new[] { "public" },
            ["id_token_signing_alg_values_supported"] = new[] { "RS256", "ES256" },
        });
    }

    private IResult Jwks()
    {
        Interlocked.Increment(ref _jwksReads);
        return _down ? Results.StatusCode(StatusCodes.Status503ServiceUnavailable) : Results.Json(new { keys = new[] { RsaKey.PublicJwk, _ec.PublicJwk } });
    }
}

/// <summary>One signing key of the issuer: the private key signs, its public half is published in the JWKS.</summary>
public sealed class SigningKey
{
    private SigningKey(string id, SecurityKey securityKey, string algorithm, Dictionary<string, string> publicJwk)
    {
        Id = id;
        Credentials = new SigningCredentials(securityKey, algorithm);
        PublicJwk = publicJwk;
    }

    public string Id { get; }

    public SigningCredentials Credentials { get; }

    /// <summary>The public key as a JWK, as the JWKS publishes it.</summary>
    public IReadOnlyDictionary<string, string> PublicJwk { get; }

    public static SigningKey Rsa(string id)
    {
        var rsa = RSA.Create(2048);
        var parameters = rsa.ExportParameters(includePrivateParameters: false);
        return new SigningKey(id, new RsaSecurityKey(rsa) { KeyId = id }, SecurityAlgorithms.RsaSha256, new(StringComparer.Ordinal)
        {
            ["kty"] = "RSA", ["use"] = "sig", ["alg"] = "RS256", ["kid"] = id,
            ["n"] = Base64UrlEncoder.Encode(parameters.Modulus), ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
        });
    }

    public static SigningKey Ec(string id)
    {
        var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var point = ec.ExportParameters(includePrivateParameters: false).Q;
        return new SigningKey(id, new ECDsaSecurityKey(ec) { KeyId = id }, SecurityAlgorithms.EcdsaSha256, new(StringComparer.Ordinal)
        {
            ["kty"] = "EC", ["use"] = "sig", ["alg"] = "ES256", ["kid"] = id, ["crv"] = "P-256",
            ["x"] = Base64UrlEncoder.Encode(point.X), ["y"] = Base64UrlEncoder.Encode(point.Y),
        });
    }
}
