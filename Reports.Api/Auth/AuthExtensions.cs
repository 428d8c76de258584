using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Reports.Core.Access;

namespace Reports.Api.Auth;

internal static class AuthExtensions
{
    public const string AdminPolicy = "admin";

    /// <summary>The scheme every call is authenticated with: it hands a JWT to <see cref="JwtSignIn"/>, anything else to API keys.</summary>
    public const string CredentialScheme = "Credential";

    /// <summary>
    /// API keys, and the identity provider's tokens when configured, for every call (health, OpenAPI and the web pages
    /// excepted), and an admin policy; both credentials give the same caller (an owner and a role) to both policies.
    /// </summary>
    public static IHostApplicationBuilder AddApiKeyAuthentication(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthOptions>()
            .Bind(builder.Configuration.GetSection(AuthOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<JwtOptions>()
            .Bind(builder.Configuration.GetSection(JwtOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate<IOptions<AuthOptions>>((jwt, auth) => jwt.OwnerPrefix is null || !jwt.IsTokenOwner(auth.Value.BootstrapAdminOwner),
                "Reports:Auth:BootstrapAdminOwner begins with Reports:Auth:Jwt:OwnerPrefix, which is reserved for the identity provider's users: choose another owner or prefix.")
            .ValidateOnStart();
        builder.Services.AddAuthentication(CredentialScheme)
            .AddPolicyScheme(CredentialScheme, "API key or identity provider token", scheme => scheme.ForwardDefaultSelector = context =>
                JwtSignIn.CarriesJwt(context.Request) && context.RequestServices.GetRequiredService<IOptions<JwtOptions>>().Value.Enabled
                    ? JwtSignIn.SchemeName
                    : ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddJwtSignIn();
        builder.Services.AddAuthorizationBuilder()
            .SetDefaultPolicy(new AuthorizationPolicyBuilder(CredentialScheme).RequireAuthenticatedUser().Build())
            .AddPolicy(AdminPolicy, policy => policy.AddAuthenticationSchemes(CredentialScheme).RequireRole(Roles.Admin));
        builder.Services.AddHostedService<BootstrapAdminKey>();
        builder.Services.AddSingleton<IdentityProviderKeys>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<IdentityProviderKeys>());
        builder.Services.AddHealthChecks().AddCheck<IdentityProviderHealthCheck>(IdentityProviderHealthCheck.Name, HealthStatus.Degraded);
        return builder;
    }
}
