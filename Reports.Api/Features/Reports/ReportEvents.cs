using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Reports.Api.Auth;
using Reports.Core.Jobs;
using Reports.Core.Storage;

namespace Reports.Api.Features.Reports;

/// <summary>GET /api/reports/{id}/events: live progress of the caller's report as Server-Sent Events.</summary>
internal static class ReportEvents
{
    public static RouteHandlerBuilder MapReportEvents(this RouteGroupBuilder group) =>
        group.MapGet("/{id:guid}/events", HandleAsync).WithName("ReportEvents")
            .WithSummary("Live status and progress as Server-Sent Events (text/event-stream), ending after a final state; resumes after Last-Event-ID.")
            .WithDescription("Each event's data is the status resource. 204 when Last-Event-ID shows the client already has the final state, "
                + "which tells an EventSource not to reconnect; 429 when the owner already holds as many live streams as allowed "
                + "(Reports:Api:MaxEventStreamsPerOwner): close one, or poll GET /api/reports/{id}.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                // Read from the request itself (an unreadable value counts as none), so the document is told here.
                operation.Parameters ??= [];
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = "Last-Event-ID",
                    In = ParameterLocation.Header,
                    Description = "The id of the last event the client received (an EventSource sends it when it reconnects): only later "
                        + "changes are sent, and 204 answers when that event was already the final state. Unreadable: treated as none.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 20 },
                });
                return Task.CompletedTask;
            });

    private static async Task<Results<ReportEventsResult, NoContent, ProblemHttpResult>> HandleAsync(
        Guid id, HttpContext http, JobStore store, CancellationToken cancellationToken)
    {
        var owner = http.User.OwnerScope();
        var job = await store.GetAsync(id, owner, cancellationToken);
        if (job is null)
        {
            return ReportsApi.NotFound(id);
        }

        // An unreadable Last-Event-ID is treated as none: the client gets the current state again.
        var lastEventId = long.TryParse(http.Request.Headers["Last-Event-ID"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var last)
            ? last
            : 0;

        // The client already has the final state: 204 tells an EventSource not to reconnect.
        return JobStatus.IsFinal(job.Status) && job.UpdatedAt.UtcTicks <= lastEventId
            ? TypedResults.NoContent()
            : new ReportEventsResult(job, owner, lastEventId);
    }
}
