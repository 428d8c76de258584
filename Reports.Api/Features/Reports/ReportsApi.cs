using System.ComponentModel;
using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Reports.Api.Auth;
using Reports.Api.Contract;
using Reports.Api.Problems;
using Reports.Core.Jobs;
using Reports.Core.Queue;
using Reports.Core.Resources;
using Reports.Core.Storage;

namespace Reports.Api.Features.Reports;

public static class ReportsApi
{
    public static RouteGroupBuilder MapReportsApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/reports").WithTags("Reports").RequireAuthorization();
        group.MapPost("/", CreateReport.HandleAsync).WithName("CreateReport").RequireRateLimiting(RequestLimits.CreatePolicy)
            .WithSummary("Request a report; answers 202 at once with its status resource.")
            .WithDescription("Validates the type, format and parameters against the catalog, stores the run and queues it, and answers 202 with "
                + "Location and the status resource (status queued). A retry with the same Idempotency-Key answers the same report.")
            .WithIdempotencyKey().ProducesProblem(StatusCodes.Status429TooManyRequests);
        group.MapGet("/", ListAsync).WithName("ListReports").WithSummary("The caller's reports, newest first, filtered and paged.")
            .WithDescription("Pages of at most `limit` reports; pass the page's nextCursor as `cursor` for the next one (null on the last page).");
        group.MapGet("/{id:guid}", GetAsync).WithName("GetReport").WithSummary("A report run's status, progress and file.")
            .WithDescription("Poll this (or follow /events) until a final status; a succeeded report carries a fresh signed download link. "
                + "Another owner's report answers 404, exactly like a missing one.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{id:guid}/cancel", CancelAsync).WithName("CancelReport")
            .WithSummary("Cancels a report: a queued one at once, a running one at its next page (cancelling, then cancelled).")
            .WithDescription("Answers the status resource after the request; a report that already reached a final status answers 409.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/{id:guid}/download", DownloadAsync).WithName("DownloadReport")
            .WithSummary("Redirects to a short-lived, read-only URL of the finished file.")
            .WithDescription("302 to the file in blob storage (no key needed there). 409 while the report is not finished or when its format "
                + "makes no file; 410 once its retention period deleted the file.")
            .Produces(StatusCodes.Status302Found).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status410Gone);
        group.MapReportEvents();
        return group;
    }

    private static async Task<Results<Ok<ReportPage>, ValidationProblem>> ListAsync(
        HttpContext http,
        JobStore store,
        ReportResources resources,
        [Description("Only reports in this status.")] string? status,
        [Description("Only reports of this type.")] string? type,
        [Description("Only reports created after this instant (ISO 8601; without an offset, UTC).")] string? createdAfter,
        [Description("Only reports made by this schedule.")] Guid? scheduleId,
        [Description("Page size, 1 to 200 (default 50).")] int? limit,
        [Description("The nextCursor of the previous page.")] string? cursor,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (status is not null && !JobStatus.All.Contains(status, StringComparer.Ordinal))
        {
            errors["status"] = [$"One of: {string.Join(", ", JobStatus.All)}."];
        }

        if (limit is < 1 or > 200)
        {
            errors["limit"] = ["Must be between 1 and 200."];
        }

        // Any offset, or none (taken as UTC): PostgreSQL's timestamptz parameters are UTC instants.
        DateTimeOffset? after = null;
        if (createdAfter is not null)
        {
            if (DateTimeOffset.TryParse(createdAfter, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            {
                after = parsed.ToUniversalTime();
            }
            else
            {
                errors["createdAfter"] = ["Must be an instant as ISO 8601, e.g. 2026-01-31T12:00:00Z."];
            }
        }

        var before = cursor is null ? null : PageCursor.TryParse(cursor);
        if (cursor is not null && before is null)
        {
            errors["cursor"] = ["Not a cursor returned by this list."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The list request is not valid.", type: ProblemTypes.Validation);
        }

        var size = limit ?? 50;
        var jobs = await store.ListAsync(new JobQuery
        {
            Owner = http.User.OwnerScope(),
            Status = status,
            ReportType = type,
            CreatedAfter = after,
            ScheduleId = scheduleId,
            Before = before,
            Limit = size,
        }, cancellationToken);
        var next = jobs.Count == size ? PageCursor.Format(jobs[^1].CreatedAt, jobs[^1].Id) : null;
        return TypedResults.Ok(new ReportPage([.. jobs.Select(resources.From)], next));
    }

    private static async Task<Results<Ok<ReportResource>, ProblemHttpResult>> GetAsync(
        Guid id, HttpContext http, JobStore store, ReportResources resources, CancellationToken cancellationToken)
    {
        var job = await store.GetAsync(id, http.User.OwnerScope(), cancellationToken);
        return job is null ? NotFound(id) : TypedResults.Ok(resources.From(job));
    }

    private static async Task<Results<Ok<ReportResource>, ProblemHttpResult>> CancelAsync(
        Guid id, HttpContext http, JobStore store, CancelSignals signals, JobEvents events, ReportResources resources, ILogger<CancelSignals> logger,
        CancellationToken cancellationToken)
    {
        var owner = http.User.OwnerScope();
        var job = await store.RequestCancelAsync(id, owner, cancellationToken);
        if (job is null)
        {
            var existing = await store.GetAsync(id, owner, cancellationToken);
            return existing is null
                ? NotFound(id)
                : TypedResults.Problem(detail: $"Report {id} is already {existing.Status}.", statusCode: StatusCodes.Status409Conflict,
                    title: "Report already finished.", type: ProblemTypes.Conflict);
        }

        events.Publish(id);
        if (job.Status == JobStatus.Cancelling)
        {
            try
            {
                await signals.PublishAsync(id, cancellationToken);
            }
            catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
            {
                // The worker's next heartbeat finds the cancelling status anyway.
                logger.LogWarning("Cancel signal for {JobId} not sent: {Error}", id, e.Message);
            }
        }

        return TypedResults.Ok(resources.From(job));
    }

    private static async Task<Results<RedirectHttpResult, ProblemHttpResult>> DownloadAsync(
        Guid id, HttpContext http, JobStore store, ReportResources resources, TimeProvider time, CancellationToken cancellationToken)
    {
        var job = await store.GetAsync(id, http.User.OwnerScope(), cancellationToken);
        if (job is null)
        {
            return NotFound(id);
        }

        // Past its retention the file is gone or about to be, whether or not the cleaner has marked the report expired yet.
        var expired = job.Status == JobStatus.Expired || (job.Status == JobStatus.Succeeded && job.ExpiresAt <= time.GetUtcNow());
        return job switch
        {
            _ when expired => TypedResults.Problem(detail: $"The file of report {id} was deleted after its retention period.",
                statusCode: StatusCodes.Status410Gone, title: "Report file expired.", type: ProblemTypes.Gone),
            { Status: JobStatus.Succeeded, BlobName: { } blob } => TypedResults.Redirect(resources.Download(blob, job.FileName ?? blob).Url.ToString()),
            { Status: JobStatus.Succeeded } => TypedResults.Problem(detail: $"Report {id} has no file: its format, '{job.Format}', makes none.",
                statusCode: StatusCodes.Status409Conflict, title: "Report has no file.", type: ProblemTypes.Conflict),
            _ => TypedResults.Problem(detail: $"Report {id} is {job.Status}; its file can be downloaded once it has succeeded.",
                statusCode: StatusCodes.Status409Conflict, title: "Report not ready.", type: ProblemTypes.Conflict),
        };
    }

    /// <summary>Another owner's report answers exactly like a missing one: no existence leak.</summary>
    internal static ProblemHttpResult NotFound(Guid id) =>
        TypedResults.Problem(detail: $"No report {id}.", statusCode: StatusCodes.Status404NotFound, title: "Report not found.", type: ProblemTypes.NotFound);
}

public sealed record ReportPage(IReadOnlyList<ReportResource> Items, string? NextCursor);
