using Microsoft.AspNetCore.Http.HttpResults;
using Reports.Api.Auth;
using Reports.Api.Features.Reports;
using Reports.Api.Problems;
using Reports.Core.Catalog;
using Reports.Core.Jobs;
using Reports.Core.Queue;
using Reports.Core.Resources;
using Reports.Core.Storage;

namespace Reports.Api.Features.Admin;

public static class AdminApi
{
    public static RouteGroupBuilder MapAdminApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/admin").WithTags("Admin").RequireAuthorization(AuthExtensions.AdminPolicy);
        group.MapGet("/dead-letters", ListDeadLettersAsync).WithName("ListDeadLetters")
            .WithSummary("Failed reports (retries exhausted or permanent errors), newest first, with their errors.")
            .WithDescription("Every owner's failed reports, paged like /api/reports (limit 1 to 500, cursor).");
        group.MapPost("/reports/{id:guid}/retry", RetryAsync).WithName("RetryReport")
            .WithSummary("Runs a failed or cancelled report again from the start, as a new attempt.")
            .WithDescription("Answers 202 with the report queued again; 409 when the report is neither failed nor cancelled, or a bulk replay already replayed it.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapApiKeys();
        group.MapReplays();
        return group;
    }

    private static async Task<Results<Ok<DeadLetterPage>, ValidationProblem>> ListDeadLettersAsync(
        JobStore store, ReportResources resources, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        var size = limit ?? 50;
        if (size is < 1 or > 500)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = ["Must be between 1 and 500."] }, type: ProblemTypes.Validation);
        }

        (DateTimeOffset, Guid)? after = null;
        if (cursor is not null)
        {
            if (PageCursor.TryParse(cursor) is not { } parsed)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["cursor"] = ["Not a cursor returned by this list."] },
                    type: ProblemTypes.Validation);
            }

            after = parsed;
        }

        var jobs = await store.ListAsync(new JobQuery { Status = JobStatus.Failed, Limit = size, Before = after }, cancellationToken);
        var next = jobs.Count == size ? PageCursor.Format(jobs[^1].CreatedAt, jobs[^1].Id) : null;
        var replayed = await store.ReplayedAsAsync([.. jobs.Select(j => j.Id)], cancellationToken);
        return TypedResults.Ok(new DeadLetterPage([.. jobs.Select(j => resources.From(j) with { ReplayedAs = replayed.TryGetValue(j.Id, out var copy) ? copy : null })], next));
    }

    private static async Task<Results<Accepted<ReportResource>, ProblemHttpResult>> RetryAsync(
        Guid id, JobStore store, ReportCatalog catalog, JobSubmission submission, ReportResources resources, CancellationToken cancellationToken)
    {
        var existing = await store.GetAsync(id, owner: null, cancellationToken);
        if (existing is null)
        {
            return ReportsApi.NotFound(id);
        }

        var attempts = catalog.Find(existing.ReportType)?.MaxAttempts ?? existing.MaxAttempts;
        var replayed = await store.ReplayAsync(id, attempts, cancellationToken);
        if (replayed is not null)
        {
            await submission.PublishAsync(replayed, cancellationToken);
        }

        if (replayed is not null)
        {
            return TypedResults.Accepted($"/api/reports/{id}", resources.From(replayed));
        }

        if ((await store.ReplayedAsAsync([id], cancellationToken)).TryGetValue(id, out var copy))
        {
            return TypedResults.Problem(detail: $"Report {id} was replayed already, as report {copy}; a dead letter runs again once. Retry {copy} if it failed too.",
                statusCode: StatusCodes.Status409Conflict, title: "Report already replayed.", type: ProblemTypes.Conflict);
        }

        return TypedResults.Problem(detail: $"Report {id} is {existing.Status}; only failed or cancelled reports can be retried.",
            statusCode: StatusCodes.Status409Conflict, title: "Report cannot be retried.", type: ProblemTypes.Conflict);
    }
}

public sealed record DeadLetterPage(IReadOnlyList<ReportResource> Items, string? NextCursor);
