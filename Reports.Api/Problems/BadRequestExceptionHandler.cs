using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Routing;

namespace Reports.Api.Problems;

/// <summary>
/// Turns a request that cannot be read (malformed JSON, a wrong type, a missing body) into a 400 problem that says
/// what was wrong, instead of a bare status code or a 500.
/// </summary>
internal sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }

        httpContext.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = bad.StatusCode,
                Title = "The request could not be read.",
                Detail = bad.InnerException is System.Text.Json.JsonException json ? $"{bad.Message} {json.Message}" : bad.Message,
            },
        });
    }

    /// <summary>Binding failures throw (in every environment) so that this handler can describe them.</summary>
    public static void Configure(IServiceCollection services)
    {
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        services.AddExceptionHandler<UnavailableExceptionHandler>();
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
    }
}
