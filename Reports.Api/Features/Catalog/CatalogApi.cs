using Microsoft.AspNetCore.Http.HttpResults;
using Reports.Core.Catalog;

namespace Reports.Api.Features.Catalog;

public static class CatalogApi
{
    public static RouteGroupBuilder MapCatalogApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/report-types").WithTags("Catalog").RequireAuthorization();
        group.MapGet("/", List).WithName("ListReportTypes")
            .WithSummary("The reports that can be requested, each with a JSON Schema of its parameters and its columns.")
            .WithDescription("The catalog: for each report type its formats, queue, limits, parameters (as JSON Schema) and columns.");
        group.MapGet("/{name}", Get).WithName("GetReportType").WithSummary("One report type of the catalog.")
            .WithDescription("404 names the report types there are.").ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static Ok<ReportTypesResource> List(ReportCatalog catalog) =>
        TypedResults.Ok(new ReportTypesResource([.. catalog.All.Select(From)]));

    private static Results<Ok<ReportTypeResource>, ProblemHttpResult> Get(string name, ReportCatalog catalog) =>
        catalog.Find(name) is { } report
            ? TypedResults.Ok(From(report))
            : TypedResults.Problem(
                detail: $"No report type '{name}'. One of: {string.Join(", ", catalog.All.Select(r => r.Name))}.",
                statusCode: StatusCodes.Status404NotFound,
                title: "Report type not found.");

    private static ReportTypeResource From(ReportDefinition report) => new()
    {
        Name = report.Name,
        Title = report.Title,
        Description = report.Description,
        Formats = report.Formats,
        Queue = report.Queue,
        Parameters = ParameterJsonSchema.For(report),
        Columns = [.. report.Columns.Select(c => new ReportColumnResource(
            c.Name, c.Title, ParameterJsonSchema.ColumnType(c), c.Format, c.Alignment == ColumnAlignment.Right ? "right" : "left"))],
        Limits = new ReportLimitsResource(
            report.Limits.MaxRows, report.Limits.MaxPdfPages, (int)report.Limits.TimeLimit.TotalSeconds, report.MaxAttempts),
    };
}
