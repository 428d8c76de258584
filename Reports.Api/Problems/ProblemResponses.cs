using Microsoft.AspNetCore.Mvc;

namespace Reports.Api.Problems;

/// <summary>Writes a problem document outside an endpoint (authentication, rate limiting).</summary>
internal sealed class ProblemResponses(IProblemDetailsService problems)
{
    public async Task WriteAsync(HttpContext context, int status, string type, string title, string detail)
    {
        context.Response.StatusCode = status;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Type = type, Title = title, Detail = detail },
        });
    }
}
