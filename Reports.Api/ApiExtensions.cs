using Reports.Api.Features.Reports;
using Scalar.AspNetCore;

namespace Reports.Api;

internal static class ApiExtensions
{
    public static IHostApplicationBuilder AddApiServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
            context.ProblemDetails.Extensions.TryAdd("traceId", context.HttpContext.TraceIdentifier));
        BadRequestExceptionHandler.Configure(builder.Services);
        builder.Services.AddOpenApi();
        builder.Services.AddOptions<DownloadOptions>()
            .Bind(builder.Configuration.GetSection(DownloadOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<ReportResources>();
        return builder;
    }

    /// <summary>Every error becomes RFC 9457 problem details, including bad JSON and unmatched routes.</summary>
    public static WebApplication UseApiErrorHandling(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }

    public static WebApplication MapApiDocumentation(this WebApplication app)
    {
        app.MapOpenApi();
        app.MapScalarApiReference("/api/docs");
        return app;
    }
}
