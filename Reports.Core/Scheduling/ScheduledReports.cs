using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reports.Core.Catalog;
using Reports.Core.Jobs;
using Reports.Core.Queue;

namespace Reports.Core.Scheduling;

/// <summary>Turns a schedule and one fire time into the job it makes: relative dates resolved, parameters validated.</summary>
public static class ScheduledReports
{
    /// <summary>The job for <paramref name="fireTime"/>, or the errors that make the schedule unable to run.</summary>
    public static (NewReportJob? Job, IReadOnlyDictionary<string, string[]> Errors) Build(
        Schedule schedule, ReportCatalog catalog, CronSchedule cron, DateTimeOffset fireTime)
    {
        if (catalog.Find(schedule.ReportType) is not { } report)
        {
            return (null, new Dictionary<string, string[]> { ["type"] = [$"Unknown report type '{schedule.ReportType}'."] });
        }

        var (resolved, errors) = Resolve(report, schedule.Parameters, cron.LocalDate(fireTime));
        if (errors.Count > 0)
        {
            return (null, errors);
        }

        var validation = ParameterValidator.Validate(report, resolved, schedule.Format);
        if (!validation.IsValid)
        {
            return (null, validation.Errors);
        }

        return (new NewReportJob
        {
            Owner = schedule.Owner,
            ReportType = report.Name,
            Format = schedule.Format,
            Parameters = validation.Arguments!.ToJson(),
            Queue = QueueNames.Bulk, // scheduled reports never compete with interactive ones
            MaxAttempts = report.MaxAttempts,
            DefinitionVersion = report.Version,
            WebhookUrl = schedule.WebhookUrl is { } url ? new Uri(url) : null,
            ScheduleId = schedule.Id,
            FireTime = fireTime,
            EmailRecipients = schedule.EmailRecipients,
        }, new Dictionary<string, string[]>());
    }

    /// <summary>Replaces relative date expressions in date parameters by the dates they mean on <paramref name="today"/>.</summary>
    public static (JsonElement Parameters, Dictionary<string, string[]> Errors) Resolve(ReportDefinition report, JsonElement parameters, DateOnly today)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (parameters.ValueKind != JsonValueKind.Object)
        {
            return (parameters, errors);
        }

        var result = new JsonObject();
        foreach (var property in parameters.EnumerateObject())
        {
            var definition = report.Parameters.FirstOrDefault(p => p.Name == property.Name);
            if (definition?.Type == ParameterType.Date && property.Value.ValueKind == JsonValueKind.String
                && RelativeDates.IsRelative(property.Value.GetString()!))
            {
                if (RelativeDates.Resolve(property.Value.GetString()!, today) is { } date)
                {
                    result[property.Name] = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                }
                else
                {
                    errors[$"parameters.{property.Name}"] =
                        ["Must be a date as yyyy-MM-dd or a relative date such as 'today', '-7 days' or '-1 month start'."];
                }
            }
            else
            {
                result[property.Name] = JsonNode.Parse(property.Value.GetRawText());
            }
        }

        return (JsonSerializer.SerializeToElement(result), errors);
    }
}
