using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Reports.Core.Access;

namespace Reports.Api.Auth;

internal static class AuthExtensions
{
    public const string AdminPolicy = "admin";

    /// <summary>API keys for every call (health, OpenAPI and the web pages excepted), and an admin policy.</summary>
    public static IHostApplicationBuilder AddApiKeyAuthentication(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthOptions>()
            .Bind(builder.Configuration.GetSection(AuthOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorizationBuilder()
            .SetDefaultPolicy(new AuthorizationPolicyBuilder(ApiKeyAuthenticationHandler.SchemeName).RequireAuthenticatedUser().Build())
            .AddPolicy(AdminPolicy, policy => policy.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName).RequireRole(Roles.Admin));
        builder.Services.AddHostedService<BootstrapAdminKey>();
        return builder;
    }
}
