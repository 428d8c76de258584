using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace Reports.Api.Problems;

/// <summary>
/// The last of the problem details writers: ASP.NET Core's own writes only for clients that accept JSON, so a request
/// that accepts only <c>text/event-stream</c> (an EventSource with a revoked key) would get a 500 instead of its 401.
/// Every error is a problem document, whatever the request accepts.
/// </summary>
internal sealed class ProblemDocumentsForAnyAccept(IOptions<ProblemDetailsOptions> options, IOptions<JsonOptions> json) : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var problem = context.ProblemDetails;
        problem.Status ??= context.HttpContext.Response.StatusCode;
        problem.Title ??= ReasonPhrases.GetReasonPhrase(problem.Status.Value);
        options.Value.CustomizeProblemDetails?.Invoke(context);
        return new(context.HttpContext.Response.WriteAsJsonAsync(
            problem, json.Value.SerializerOptions.GetTypeInfo(problem.GetType()), "application/problem+json", context.HttpContext.RequestAborted));
    }
}
