using System.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Reports.Api.Auth;
using Reports.Api.Problems;
using Reports.Core.Catalog;
using Reports.Core.Jobs;
using Reports.Core.Queue;
using Reports.Core.Resources;
using Reports.Core.Storage;
using Reports.Core.Telemetry;
using Reports.Core.Webhooks;
using Reports.Core.Windows;

namespace Reports.Api.Features.Reports;

/// <summary>
/// POST /api/reports: validate everything, write the job and its outbox row in one transaction, publish, answer 202.
/// </summary>
internal static class CreateReport
{
    public static async Task<Results<Accepted<ReportResource>, ValidationProblem, ProblemHttpResult>> HandleAsync(
        CreateReportRequest request,
        HttpContext http,
        ReportCatalog catalog,
        ParameterReferences references,
        JobSubmission submission,
        ReportResources resources,
        IOptions<JobQuotaOptions> quotaOptions,
        IOptions<WebhookOptions> webhookOptions,
        ProcessingWindows windows,
        JobStore store,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var idempotencyKey = http.Request.Headers.TryGetValue("Idempotency-Key", out var header) ? header.ToString() : null;
        var errors = Validate(request, idempotencyKey, catalog, webhookOptions.Value, out var report, out var webhook);
        if (errors is not null)
        {
            return TypedResults.ValidationProblem(errors, title: "The report request is not valid.", type: ProblemTypes.Validation);
        }

        var format = FormatOf(request, report!);
        var arguments = ParameterValidator.Validate(report!, request.Parameters, format);
        if (!arguments.IsValid)
        {
            return TypedResults.ValidationProblem(arguments.Errors, title: $"The parameters of '{report!.Name}' are not valid.", type: ProblemTypes.Validation);
        }

        var missing = await references.FindMissingAsync(report!, arguments.Arguments!, cancellationToken);
        if (missing.Count > 0)
        {
            return TypedResults.ValidationProblem(missing, title: $"The parameters of '{report!.Name}' name something that does not exist.",
                type: ProblemTypes.Validation);
        }

        var quota = quotaOptions.Value.MaxActiveJobsPerOwner;
        var outcome = await submission.SubmitAsync(new NewReportJob
        {
            Owner = http.User.Owner(),
            ReportType = report!.Name,
            Format = format,
            Parameters = arguments.Arguments!.ToJson(),
            // PDFs take far longer per row than CSVs: they go on the bulk queue, whatever their report.
            Queue = format == ReportFormats.Pdf ? QueueNames.Bulk : report.Queue,
            MaxAttempts = report.MaxAttempts,
            DefinitionVersion = report.Version,
            IdempotencyKey = idempotencyKey,
            TraceParent = Activity.Current?.Id,
            WebhookUrl = webhook,
            EmailRecipients = request.EmailRecipients ?? [],
            ActiveJobQuota = quota, // counted with the insert, with or without Idempotency-Key; a replay is not counted
        }, cancellationToken);

        if (outcome is null)
        {
            http.Response.Headers.RetryAfter = "30";
            return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, type: ProblemTypes.QuotaExceeded,
                title: "Concurrent report quota reached.",
                detail: $"This owner already has {quota} unfinished reports; wait for some to finish or cancel them.");
        }

        if (outcome.ParametersDiffer)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, type: ProblemTypes.IdempotencyMismatch,
                title: "Idempotency key reused with different parameters.",
                detail: $"Idempotency-Key '{idempotencyKey}' was already used for report {outcome.Job.Id} with another request.");
        }

        if (!outcome.Created)
        {
            http.Response.Headers["Idempotent-Replayed"] = "true";
        }

        var job = outcome.Job;
        if (outcome.Created && windows.ClosedAt(time.GetUtcNow()) is { Count: > 0 } closed
            && closed.Any(c => c.Name == job.Queue || c.Name == job.ReportType))
        {
            // Its window is closed (as the API reads Reports:Windows): it waits from the start, and the answer says why.
            // Its message, already published, finds nothing to claim; the sweeper queues it when the window opens. A
            // worker that took the message first has deferred it already: the answer is the job as it is now.
            if (await store.DeferAsync(job.Id, closed, cancellationToken) is { } waiting)
            {
                ReportsMetrics.JobsDeferred.Add(1, ReportsMetrics.JobTags(waiting.ReportType, waiting.Queue));
                job = waiting;
            }
            else
            {
                job = await store.GetAsync(job.Id, owner: null, cancellationToken) ?? job;
            }
        }

        return TypedResults.Accepted($"/api/reports/{job.Id}", resources.From(job));
    }

    private static Dictionary<string, string[]>? Validate(
        CreateReportRequest request, string? idempotencyKey, ReportCatalog catalog, WebhookOptions webhooks,
        out ReportDefinition? report, out Uri? webhook)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var known = string.Join(", ", catalog.All.Select(r => r.Name));
        report = null;
        webhook = null;
        if (string.IsNullOrWhiteSpace(request.Type))
        {
            errors["type"] = [$"Required. One of: {known}."];
        }
        else if ((report = catalog.Find(request.Type)) is null)
        {
            errors["type"] = [$"Unknown report type '{Shorten(request.Type)}'. One of: {known}."];
        }

        var format = report is null ? request.Format ?? ReportFormats.Csv : FormatOf(request, report);
        if (report is not null && !report.Formats.Contains(format, StringComparer.Ordinal))
        {
            errors["format"] = [$"'{Shorten(format)}' is not available for '{report.Name}'. One of: {string.Join(", ", report.Formats)}."];
        }

        if (idempotencyKey is { } key && (string.IsNullOrWhiteSpace(key) || key.Length > 200 || key.Any(char.IsControl)))
        {
            errors["Idempotency-Key"] = ["Must be 1 to 200 printable characters."];
        }

        if (request.WebhookUrl is { } url)
        {
            if (url.Length > 2048 || !Uri.TryCreate(url, UriKind.Absolute, out webhook))
            {
                errors["webhookUrl"] = ["Must be an absolute http or https URL of at most 2048 characters."];
            }
            else if (WebhookTargets.Refusal(webhook, webhooks) is { } refusal)
            {
                errors["webhookUrl"] = [refusal];
                webhook = null;
            }
        }

        if (request.EmailRecipients is { } recipients
            && (recipients.Count > 20 || recipients.Any(r => r is null || r.Length > 254 || !System.Net.Mail.MailAddress.TryCreate(r, out _))))
        {
            errors["emailRecipients"] = ["At most 20 valid email addresses."];
        }

        return errors.Count == 0 ? null : errors;
    }

    /// <summary>The format asked for, or the report's first: CSV for every report that reads data.</summary>
    private static string FormatOf(CreateReportRequest request, ReportDefinition report) => request.Format ?? report.Formats[0];

    private static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
