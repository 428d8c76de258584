using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Reports.Api.Auth;

/// <summary>Declares the API key (HTTP bearer) scheme in the OpenAPI document and requires it on every operation.</summary>
internal sealed class ApiKeySecurityScheme : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["ApiKey"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An API key: 'Authorization: Bearer rpt_…' (or the header 'X-Api-Key: rpt_…').",
        };
        document.Security ??= [];
        document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("ApiKey", document)] = [] });
        return Task.CompletedTask;
    }
}
