using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace Reports.Api.Auth;

/// <summary>
/// Declares the identity provider's tokens (HTTP bearer, JWT) in the OpenAPI document when sign-in is configured, as an
/// alternative to the API key: either one authenticates every operation.
/// </summary>
internal sealed class JwtSecurityScheme(IOptions<JwtOptions> options) : IOpenApiDocumentTransformer
{
    public const string Name = "Jwt";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        var jwt = options.Value;
        if (!jwt.Enabled)
        {
            return Task.CompletedTask;
        }

        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[Name] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "An access token of the identity provider (" + (jwt.Authority ?? jwt.MetadataAddress) + ") for the audience '"
                + jwt.Audiences[0] + "': 'Authorization: Bearer eyJ…'. Its '" + jwt.OwnerClaim + "' claim is the owner"
                + (jwt.AdminRole is null ? "." : $"; the role '{jwt.AdminRole}' in its '{jwt.RoleClaim}' claim makes an admin."),
        };
        document.Security ??= [];
        document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Name, document)] = [] });
        return Task.CompletedTask;
    }
}
