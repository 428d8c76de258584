using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Net.Http.Headers;
using Microsoft.OpenApi;
using Reports.Api.Auth;

namespace Reports.Api.Contract;

/// <summary>
/// The problems the pipeline answers before (or around) any endpoint, added to each operation they apply to, so no
/// endpoint has to repeat them: 400 for input that cannot be read or stored, 413 and 415 for bodies, 401 without a
/// valid key or token, 403 for admin endpoints, 429 for rate-limited ones, 503 when a backing service is down (the key lookup
/// reads PostgreSQL). Also each response's headers: <c>Location</c>, <c>Retry-After</c>, <c>WWW-Authenticate</c>,
/// <c>Idempotent-Replayed</c>; and a default response, the problem document of an unexpected error.
/// </summary>
internal sealed class PipelineProblems : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var document = context.Document!;
        var responses = operation.Responses ??= [];
        var authenticated = metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any();
        var hasBody = operation.RequestBody is not null;

        if (hasBody || operation.Parameters is { Count: > 0 })
        {
            Problem(responses, document, StatusCodes.Status400BadRequest,
                "The request is not valid: a validation problem (type …/validation) names each invalid field in errors; a body or "
                + "parameter that cannot be read at all is a bad-request problem.", validation: true);
        }

        if (hasBody)
        {
            Problem(responses, document, StatusCodes.Status413PayloadTooLarge, "The body is larger than the limit (Reports:Api:MaxRequestBodyBytes).");
            Problem(responses, document, StatusCodes.Status415UnsupportedMediaType, "The body is not application/json.");
        }

        if (authenticated)
        {
            Problem(responses, document, StatusCodes.Status401Unauthorized,
                    "No credential, an unknown or revoked API key, or a token that was refused (expired, another issuer or audience, an unknown key).")
                .Headers![HeaderNames.WWWAuthenticate] = Header("Bearer; with error=\"invalid_token\" and an error_description when a key or token was refused.");
            Problem(responses, document, StatusCodes.Status503ServiceUnavailable,
                    "A backing service (PostgreSQL, Redis, blob storage) is restarting or unreachable: retry after Retry-After seconds.")
                .Headers![HeaderNames.RetryAfter] = RetryAfter();
        }

        if (metadata.OfType<IAuthorizeData>().Any(a => a.Policy == AuthExtensions.AdminPolicy))
        {
            Problem(responses, document, StatusCodes.Status403Forbidden, "The key is not an admin key, or the token has not the admin role.")
                .Headers![HeaderNames.WWWAuthenticate] = Header("Bearer error=\"insufficient_scope\" with an error_description.");
        }

        if (metadata.OfType<EnableRateLimitingAttribute>().Any() || responses.ContainsKey("429"))
        {
            Problem(responses, document, StatusCodes.Status429TooManyRequests,
                    "Too many requests from this owner (rate-limited type: creates a minute, or live progress streams held open) or too many "
                    + "unfinished reports (concurrent-job-quota type): retry after Retry-After seconds.")
                .Headers![HeaderNames.RetryAfter] = RetryAfter();
        }

        if (metadata.OfType<IdempotencyKeyMetadata>().Any())
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = "Idempotency-Key",
                In = ParameterLocation.Header,
                Description = "1 to 200 printable characters. The same key with the same request answers the first request's report again "
                    + "(marked Idempotent-Replayed), with another request 422; safe to retry after a timeout or a 503.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = 200 },
            });
            Problem(responses, document, StatusCodes.Status422UnprocessableEntity, "The Idempotency-Key was already used with a different request.");
        }

        // Anything unforeseen is still a problem document (type …/internal, status 500), never an HTML page.
        responses.TryAdd("default", new OpenApiResponse
        {
            Description = "An unexpected error of the server: a problem document of type internal.",
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(ProblemSchemas.Problem, document) },
            },
        });

        foreach (var (status, response) in responses)
        {
            if (response is not OpenApiResponse concrete)
            {
                continue;
            }

            if (status is "201" or "202" or "302")
            {
                (concrete.Headers ??= new Dictionary<string, IOpenApiHeader>())[HeaderNames.Location] =
                    Header(status == "302" ? "The file's short-lived, read-only signed URL." : "The URL of the created resource.", required: true);
            }

            if (status == "202" && metadata.OfType<IdempotencyKeyMetadata>().Any())
            {
                concrete.Headers![IdempotentReplayed] = Header("'true' when an earlier request with the same Idempotency-Key made this report.", required: false);
            }
        }

        return Task.CompletedTask;
    }

    private const string IdempotentReplayed = "Idempotent-Replayed";

    /// <summary>The problem response for a status, added if the endpoint did not declare it, given its description either way.</summary>
    private static OpenApiResponse Problem(OpenApiResponses responses, OpenApiDocument document, int status, string description, bool validation = false)
    {
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (responses.TryGetValue(key, out var existing) && existing is OpenApiResponse declared)
        {
            declared.Description = description;
            declared.Headers ??= new Dictionary<string, IOpenApiHeader>();
            return declared;
        }

        var response = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(validation ? ProblemSchemas.Validation : ProblemSchemas.Problem, document) },
            },
            Headers = new Dictionary<string, IOpenApiHeader>(),
        };
        responses[key] = response;
        return response;
    }

    private static OpenApiHeader RetryAfter() => Header("Seconds to wait before retrying.", required: true, integer: true);

    private static OpenApiHeader Header(string description, bool required = true, bool integer = false) => new()
    {
        Description = description,
        Required = required,
        Schema = new OpenApiSchema { Type = integer ? JsonSchemaType.Integer : JsonSchemaType.String },
    };
}
