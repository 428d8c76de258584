using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Reports.Api.Auth;

namespace Reports.Api.Contract;

/// <summary>
/// The OpenAPI document as a contract clients can generate code from: who publishes it, what each tag is, and every
/// problem each operation can answer with (the ones endpoints name with <c>.ProducesProblem</c> and the ones the
/// pipeline gives every endpoint, added by <see cref="PipelineProblems"/>), with their headers. Linted in the tests
/// (tools/openapi-lint): Redocly's recommended rules and Spectral's <c>spectral:oas</c>, no error and no warning.
/// </summary>
internal static class ApiContract
{
    public static void AddApiContract(this OpenApiOptions options)
    {
        options.AddDocumentTransformer<ApiKeySecurityScheme>();
        options.AddDocumentTransformer<JwtSecurityScheme>();
        options.AddDocumentTransformer<DocumentInfo>();
        options.AddOperationTransformer<PipelineProblems>();
        options.AddSchemaTransformer<ProblemSchemas>();
    }

    /// <summary>Marks an endpoint that honours <c>Idempotency-Key</c>: the header, the replay marker and the 422 of a reused key.</summary>
    public static RouteHandlerBuilder WithIdempotencyKey(this RouteHandlerBuilder builder) =>
        builder.WithMetadata(new IdempotencyKeyMetadata()).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
}

internal sealed record IdempotencyKeyMetadata;

/// <summary><c>info</c>, servers without a trailing slash, and a description of every tag.</summary>
internal sealed class DocumentInfo : IOpenApiDocumentTransformer
{
    private static readonly Dictionary<string, string> TagDescriptions = new(StringComparer.Ordinal)
    {
        ["Catalog"] = "The report types that can be requested: each with a JSON Schema of its parameters, its columns, formats and limits.",
        ["Reports"] = "Report runs: request one (202 at once), follow its status and progress (polling or Server-Sent Events), cancel it, download its file.",
        ["Schedules"] = "Cron schedules that request a report at each fire time, in a time zone, with a policy for fire times missed while down.",
        ["Notifications"] = "In-app notifications of the caller's finished reports.",
        ["Webhooks"] = "The record of each report's webhook deliveries: status, attempts and the last answer of the receiver.",
        ["Admin"] = "Administration (admin keys or admin tokens only): API keys, failed reports and their retry.",
        ["Operations"] = "The figures of the operations page (admin keys or admin tokens only): queues, workers, recent history and any job in detail.",
        ["Account"] = "The caller's own settings, such as the secret that signs their webhooks.",
    };

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Reports API",
            Version = "1.0.0",
            Description = """
                Asynchronous report generation: request a report (a CSV, PDF or other file) and get 202 at once with its status resource; a worker
                reads the data in pages and writes the file to blob storage; follow the progress by polling, Server-Sent Events, a
                signed webhook, an email or an in-app notification, then download the file through a short-lived signed URL.

                Every call needs an API key (`Authorization: Bearer rpt_…` or `X-Api-Key: rpt_…`) or, where the deployment configures an
                identity provider, one of its access tokens (`Authorization: Bearer eyJ…`). Every error is an RFC 9457
                problem document (`application/problem+json`) with a stable `type` to branch on, a `traceId` to quote, and for
                validation problems `errors`: each invalid field with its messages.
                """,
            Contact = new OpenApiContact { Name = "Reports maintainers", Url = new Uri("https://reports.example/support"), Email = "reports@reports.example" },
            License = new OpenApiLicense { Name = "Proprietary", Url = new Uri("https://reports.example/license") },
        };

        foreach (var server in document.Servers ?? Enumerable.Empty<OpenApiServer>())
        {
            server.Url = server.Url?.TrimEnd('/');
        }

        foreach (var tag in document.Tags ?? Enumerable.Empty<OpenApiTag>())
        {
            if (tag.Name is { } name && TagDescriptions.TryGetValue(name, out var description))
            {
                tag.Description = description;
            }
        }

        return Task.CompletedTask;
    }
}
