using System.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Reports.Core.Catalog;
using Reports.Core.Jobs;
using Reports.Core.Queue;
using Reports.Core.Storage;

namespace Reports.Api.Features.Reports;

public static class ReportsApi
{
    /// <summary>Until API keys arrive, every report belongs to this owner.</summary>
    public const string AnonymousOwner = "anonymous";

    public static RouteGroupBuilder MapReportsApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/reports").WithTags("Reports");
        group.MapPost("/", CreateAsync).WithName("CreateReport").WithSummary("Request a report; answers 202 at once.");
        group.MapGet("/{id:guid}", GetAsync).WithName("GetReport").WithSummary("A report run's status, progress and file.");
        group.MapPost("/{id:guid}/cancel", CancelAsync).WithName("CancelReport")
            .WithSummary("Cancels a report: a queued one at once, a running one at its next page (cancelling, then cancelled).");
        group.MapGet("/{id:guid}/download", DownloadAsync).WithName("DownloadReport")
            .WithSummary("Redirects to a short-lived, read-only URL of the finished file.");
        return group;
    }

    private static async Task<Results<Accepted<ReportResource>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateReportRequest request,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        ReportCatalog catalog,
        ParameterReferences references,
        JobStore store,
        OutboxRelay relay,
        ReportResources resources,
        HttpContext http,
        ILogger<CreateReportRequest> logger,
        CancellationToken cancellationToken)
    {
        var validation = Validate(request, idempotencyKey, catalog, out var report);
        if (validation is not null)
        {
            return TypedResults.ValidationProblem(validation, title: "The report request is not valid.");
        }

        var arguments = ParameterValidator.Validate(report!, request.Parameters, request.Format ?? ReportFormats.Csv);
        if (!arguments.IsValid)
        {
            return TypedResults.ValidationProblem(arguments.Errors, title: $"The parameters of '{report!.Name}' are not valid.");
        }

        var missing = await references.FindMissingAsync(report!, arguments.Arguments!, cancellationToken);
        if (missing.Count > 0)
        {
            return TypedResults.ValidationProblem(missing, title: $"The parameters of '{report!.Name}' name something that does not exist.");
        }

        var outcome = await store.CreateAsync(new NewReportJob
        {
            Owner = AnonymousOwner,
            ReportType = report!.Name,
            Format = request.Format ?? "csv",
            Parameters = arguments.Arguments!.ToJson(),
            Queue = report.Queue,
            MaxAttempts = report.MaxAttempts,
            IdempotencyKey = idempotencyKey,
            TraceParent = Activity.Current?.Id,
        }, cancellationToken);

        if (outcome.ParametersDiffer)
        {
            return TypedResults.Problem(
                detail: $"Idempotency-Key '{idempotencyKey}' was already used for report {outcome.Job.Id} with other parameters.",
                statusCode: StatusCodes.Status422UnprocessableEntity,
                title: "Idempotency key reused with different parameters.");
        }

        if (outcome.Created)
        {
            await PublishBestEffortAsync(relay, outcome.Job, logger, cancellationToken);
        }
        else
        {
            http.Response.Headers["Idempotent-Replayed"] = "true";
        }

        return TypedResults.Accepted($"/api/reports/{outcome.Job.Id}", resources.From(outcome.Job));
    }

    private static async Task<Results<Ok<ReportResource>, ProblemHttpResult>> GetAsync(
        Guid id, JobStore store, ReportResources resources, CancellationToken cancellationToken)
    {
        var job = await store.GetAsync(id, cancellationToken);
        return job is null ? NotFound(id) : TypedResults.Ok(resources.From(job));
    }

    private static async Task<Results<Ok<ReportResource>, ProblemHttpResult>> CancelAsync(
        Guid id, JobStore store, CancelSignals signals, ReportResources resources, ILogger<CancelSignals> logger, CancellationToken cancellationToken)
    {
        var job = await store.RequestCancelAsync(id, cancellationToken);
        if (job is null)
        {
            var existing = await store.GetAsync(id, cancellationToken);
            return existing is null
                ? NotFound(id)
                : TypedResults.Problem(detail: $"Report {id} is already {existing.Status}.", statusCode: StatusCodes.Status409Conflict,
                    title: "Report already finished.");
        }

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
        Guid id, JobStore store, ReportResources resources, CancellationToken cancellationToken)
    {
        var job = await store.GetAsync(id, cancellationToken);
        if (job is null)
        {
            return NotFound(id);
        }

        return job switch
        {
            { Status: JobStatus.Succeeded, BlobName: { } blob } => TypedResults.Redirect(resources.Download(blob, job.FileName ?? blob).Url.ToString()),
            { Status: JobStatus.Expired } => TypedResults.Problem(
                detail: $"The file of report {id} was deleted after its retention period.", statusCode: StatusCodes.Status410Gone, title: "Report file expired."),
            _ => TypedResults.Problem(
                detail: $"Report {id} is {job.Status}; its file can be downloaded once it has succeeded.",
                statusCode: StatusCodes.Status409Conflict, title: "Report not ready."),
        };
    }

    /// <summary>
    /// The job is committed with its outbox row; publishing now is only a shortcut. If Redis is down the request still
    /// succeeds and the relay publishes the job when Redis is back.
    /// </summary>
    internal static async Task PublishBestEffortAsync(OutboxRelay relay, ReportJob job, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await relay.PublishNowAsync(job.Id, job.Queue, job.TraceParent, timeout.Token).WaitAsync(timeout.Token);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Job {JobId} stays on the outbox for the relay: {Error}", job.Id, e.Message);
        }
    }

    private static Dictionary<string, string[]>? Validate(CreateReportRequest request, string? idempotencyKey, ReportCatalog catalog, out ReportDefinition? report)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        report = null;
        if (string.IsNullOrWhiteSpace(request.Type))
        {
            errors["type"] = [$"Required. One of: {string.Join(", ", catalog.All.Select(r => r.Name))}."];
        }
        else if ((report = catalog.Find(request.Type)) is null)
        {
            errors["type"] = [$"Unknown report type '{request.Type}'. One of: {string.Join(", ", catalog.All.Select(r => r.Name))}."];
        }

        var format = request.Format ?? "csv";
        if (report is not null && !report.Formats.Contains(format, StringComparer.Ordinal))
        {
            errors["format"] = [$"'{format}' is not available for '{report.Name}'. One of: {string.Join(", ", report.Formats)}."];
        }

        if (idempotencyKey is { } key && (key.Length is 0 or > 200))
        {
            errors["Idempotency-Key"] = ["Must be 1 to 200 characters."];
        }

        return errors.Count == 0 ? null : errors;
    }

    private static ProblemHttpResult NotFound(Guid id) =>
        TypedResults.Problem(detail: $"No report {id}.", statusCode: StatusCodes.Status404NotFound, title: "Report not found.");
}
