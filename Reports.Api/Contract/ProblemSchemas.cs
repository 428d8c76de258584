using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Reports.Api.Contract;

/// <summary>
/// The problem documents as this API writes them (RFC 9457): <c>type</c>, <c>title</c>, <c>status</c> and <c>traceId</c>
/// always, <c>detail</c> mostly, and for a 400 <c>errors</c>, each invalid field with its messages, when it is a
/// validation problem. ASP.NET Core's own schema of <see cref="ProblemDetails"/> knows neither <c>traceId</c> nor which
/// members are always there.
/// </summary>
internal sealed class ProblemSchemas : IOpenApiSchemaTransformer
{
    public const string Problem = "ProblemDetails";
    public const string Validation = "HttpValidationProblemDetails";

    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo.Type;
        if (context.JsonPropertyInfo is not null || !typeof(ProblemDetails).IsAssignableFrom(type))
        {
            return Task.CompletedTask;
        }

        var validation = typeof(HttpValidationProblemDetails).IsAssignableFrom(type);
        schema.Type = JsonSchemaType.Object;
        schema.Description = validation
            ? "A problem document (RFC 9457); a validation problem (type https://reports.example/problems/validation) names each invalid field in errors."
            : "A problem document (RFC 9457). Branch on type, never on title or detail.";
        schema.Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
        {
            ["type"] = Text("The kind of problem, stable: https://reports.example/problems/<name> (validation, not-found, conflict, rate-limited, …).", "uri"),
            ["title"] = Text("A short summary of the kind of problem."),
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "400", Maximum = "599", Description = "The HTTP status code." },
            ["detail"] = Text("What went wrong with this request, for people."),
            ["instance"] = Text("The request the problem occurred in, when known."),
            ["traceId"] = Text("The W3C trace id of the request: quote it when reporting a problem."),
        };
        if (validation)
        {
            schema.Properties["errors"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "Each invalid field (JSON path, query parameter or header name) with its messages.",
                AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
            };
        }

        schema.Required = new HashSet<string>(["type", "title", "status", "traceId"], StringComparer.Ordinal);
        schema.AdditionalProperties = null;
        return Task.CompletedTask;
    }

    private static OpenApiSchema Text(string description, string? format = null) =>
        new() { Type = JsonSchemaType.String, Format = format, Description = description };
}
