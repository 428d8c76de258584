using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Reports.Api.Auth;
using System.Threading.RateLimiting;

namespace Reports.Api.Problems;

/// <summary>Body size and per-owner rate limits, each answered with a problem document.</summary>
internal static class RequestLimits
{
    public const string CreatePolicy = "create-per-owner";

    public static IServiceCollection AddRequestLimits(this IServiceCollection services)
    {
        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(CreatePolicy, context =>
            {
                var perMinute = context.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value.CreatesPerMinute;
                var owner = context.User.Identity?.IsAuthenticated == true ? context.User.Owner() : "anonymous";
                return RateLimitPartition.GetFixedWindowLimiter(owner, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = perMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                });
            });
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
                context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await context.HttpContext.RequestServices.GetRequiredService<ProblemResponses>().WriteAsync(context.HttpContext,
                    StatusCodes.Status429TooManyRequests, ProblemTypes.RateLimited, "Too many requests.",
                    $"This owner may request at most {context.HttpContext.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value.CreatesPerMinute} reports, schedules and schedule changes a minute; retry after {retryAfter.TotalSeconds:0} s.");
            };
        });
        return services;
    }

    /// <summary>Refuses a body larger than the limit before anything reads it (Kestrel enforces the same for chunked bodies).</summary>
    public static IApplicationBuilder UseBodySizeLimit(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var limit = context.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value.MaxRequestBodyBytes;
        if (context.Request.ContentLength > limit)
        {
            await context.RequestServices.GetRequiredService<ProblemResponses>().WriteAsync(context,
                StatusCodes.Status413PayloadTooLarge, ProblemTypes.PayloadTooLarge, "Request body too large.",
                $"The body has {context.Request.ContentLength} bytes; the limit is {limit}.");
            return;
        }

        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = limit;
        }

        await next(context);
    });
}
