using System.Net.Mail;
using Microsoft.Extensions.Options;
using Reports.Core.Catalog;
using Reports.Core.Scheduling;
using Reports.Core.Webhooks;

namespace Reports.Api.Features.Schedules;

/// <summary>Checks a schedule request completely, including that its parameters resolve and validate today.</summary>
internal sealed class ScheduleValidation(ReportCatalog catalog, IOptions<WebhookOptions> webhooks, IOptions<ScheduleLimits> limits, TimeProvider time)
{
    public (CronSchedule? Cron, Dictionary<string, string[]> Errors) Validate(ScheduleRequest request)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 100)
        {
            errors["name"] = ["Required, at most 100 characters."];
        }

        var report = request.Type is null ? null : catalog.Find(request.Type);
        if (report is null)
        {
            errors["type"] = [$"One of: {string.Join(", ", catalog.All.Select(r => r.Name))}."];
        }

        var format = request.Format ?? ReportFormats.Csv;
        if (report is not null && !report.Formats.Contains(format, StringComparer.Ordinal))
        {
            errors["format"] = [$"One of: {string.Join(", ", report.Formats)}."];
        }

        var (cron, cronError, zoneError) = CronSchedule.Parse(request.Cron, request.TimeZone);
        var minimum = limits.Value.MinInterval;
        Add(errors, "cron", cron?.IntervalUnder(minimum) is { } shortest
            ? $"Fires {shortest.TotalSeconds:0.###} s apart at its closest; the minimum interval between fire times is {minimum.TotalSeconds:0.###} s."
            : cronError);
        Add(errors, "timeZone", zoneError);
        if (request.MissedPolicy is { } policy && !MissedFirePolicy.IsKnown(policy))
        {
            errors["missedPolicy"] = [$"One of: {MissedFirePolicy.FireOnce}, {MissedFirePolicy.SkipMissed}."];
        }

        if (request.WebhookUrl is { } url)
        {
            Add(errors, "webhookUrl", Uri.TryCreate(url, UriKind.Absolute, out var target) && url.Length <= 2048
                ? WebhookTargets.Refusal(target, webhooks.Value)
                : "Must be an absolute http or https URL of at most 2048 characters.");
        }

        var recipients = request.EmailRecipients ?? [];
        if (recipients.Count > 20 || recipients.Any(r => r.Length > 254 || !MailAddress.TryCreate(r, out _)))
        {
            errors["emailRecipients"] = ["At most 20 valid email addresses."];
        }

        if (report is not null && cron is not null && errors.Count == 0)
        {
            // The parameters must make a valid report today, so a schedule never fails on its first fire time.
            var (resolved, dateErrors) = ScheduledReports.Resolve(report, request.Parameters ?? default, cron.LocalDate(time.GetUtcNow()));
            foreach (var (field, messages) in dateErrors)
            {
                errors[field] = messages;
            }

            if (dateErrors.Count == 0)
            {
                foreach (var (field, messages) in ParameterValidator.Validate(report, resolved, format).Errors)
                {
                    errors[field] = messages;
                }
            }
        }

        return (errors.Count == 0 ? cron : null, errors);
    }

    private static void Add(Dictionary<string, string[]> errors, string field, string? error)
    {
        if (error is not null)
        {
            errors[field] = [error];
        }
    }
}
