using System.ComponentModel;
using System.Text.Json;

namespace Reports.Api.Features.Schedules;

/// <summary>A schedule to create or replace.</summary>
public sealed record ScheduleRequest
{
    [Description("A label for people.")]
    public string? Name { get; init; }

    [Description("The report type, from GET /api/report-types.")]
    public string? Type { get; init; }

    [Description("\"csv\", \"xlsx\", \"ndjson\" or \"pdf\".")]
    [DefaultValue("csv")]
    public string? Format { get; init; }

    [Description("The report's parameters; dates may be relative to the fire time: 'today', '-7 days', '-1 month start', '-1 month end'.")]
    public JsonElement? Parameters { get; init; }

    [Description("Cron expression: 5 fields, or 6 with seconds first (e.g. \"0 6 1 * *\": 06:00 on the 1st of each month).")]
    public string? Cron { get; init; }

    [Description("IANA time zone the cron expression is read in (default UTC); daylight saving is handled.")]
    public string? TimeZone { get; init; }

    public bool? Paused { get; init; }

    [Description("What to do with fire times missed while nothing ran: \"fire-once\" (default) or \"skip\".")]
    public string? MissedPolicy { get; init; }

    public string? WebhookUrl { get; init; }

    public IReadOnlyList<string>? EmailRecipients { get; init; }
}

/// <summary>
/// A schedule with its next fire times, and the fire times it skipped because its owner was at the active-job quota
/// (how many, and the latest).
/// </summary>
public sealed record ScheduleResource(
    Guid Id, string Name, string Type, string Format, JsonElement Parameters, string Cron, string TimeZone, bool Paused,
    string MissedPolicy, string? WebhookUrl, IReadOnlyList<string> EmailRecipients, DateTimeOffset? LastFireAt,
    IReadOnlyList<DateTimeOffset> NextFireTimes, DateTimeOffset CreatedAt, long SkippedFires, DateTimeOffset? LastSkippedFireAt);
