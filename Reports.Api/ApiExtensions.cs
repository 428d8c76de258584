using Reports.Api.Auth;
using Reports.Api.Contract;
using Reports.Api.Features.Reports;
using Reports.Api.Problems;
using Scalar.AspNetCore;

namespace Reports.Api;

internal static class ApiExtensions
{
    public static IHostApplicationBuilder AddApiServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ApiOptions>()
            .Bind(builder.Configuration.GetSection(ApiOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            problem.Status ??= context.HttpContext.Response.StatusCode;
            if (problem.Type is null || problem.Type.StartsWith("https://tools.ietf.org/", StringComparison.Ordinal))
            {
                problem.Type = problem.Extensions.ContainsKey("errors") ? ProblemTypes.Validation : ProblemTypes.ForStatus(problem.Status.Value);
            }

            problem.Extensions.TryAdd("traceId", System.Diagnostics.Activity.Current?.TraceId.ToString() ?? context.HttpContext.TraceIdentifier);
        });
        builder.Services.AddSingleton<IProblemDetailsWriter, ProblemDocumentsForAnyAccept>(); // after ASP.NET Core's own
        builder.Services.AddSingleton<ProblemResponses>();
        BadRequestExceptionHandler.Configure(builder.Services);
        builder.Services.AddRequestLimits();
        builder.AddApiKeyAuthentication();
        builder.Services.AddOpenApi(options => options.AddApiContract());
        builder.Services.AddOptions<DownloadOptions>()
            .Bind(builder.Configuration.GetSection(DownloadOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<ReportResources>();
        builder.Services.AddSingleton<Features.Schedules.ScheduleValidation>();
        builder.Services.AddSingleton<ReportEventHub>();
        builder.Services.AddSingleton<EventStreams>();
        return builder;
    }

    /// <summary>
    /// Problem details for every error (bad JSON, unmatched routes, oversized bodies), then auth, the one check of every
    /// text input, and rate limits.
    /// </summary>
    public static WebApplication UseApiPipeline(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseBodySizeLimit();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseStorableTextOnly();
        app.UseRateLimiter();
        return app;
    }

    public static WebApplication MapApiDocumentation(this WebApplication app)
    {
        app.MapOpenApi().AllowAnonymous();
        app.MapScalarApiReference("/docs").AllowAnonymous();
        return app;
    }
}
