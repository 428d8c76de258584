using System.ComponentModel;
using System.Text.Json;
using Reports.Core.Scheduling;

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
/// A schedule with its next fire times, the fire times it skipped because its owner was at the active-job quota (how
/// many, and the latest), its latest run and its health.
/// </summary>
public sealed record ScheduleResource(
    Guid Id, string Name, string Type, string Format, JsonElement Parameters, string Cron, string TimeZone, bool Paused,
    string MissedPolicy, string? WebhookUrl, IReadOnlyList<string> EmailRecipients, DateTimeOffset? LastFireAt,
    IReadOnlyList<DateTimeOffset> NextFireTimes, DateTimeOffset CreatedAt, long SkippedFires, DateTimeOffset? LastSkippedFireAt,
    ScheduleLastRun? LastRun, ScheduleHealthResource Health);

/// <summary>
/// <c>ok</c>, <c>paused</c>, <c>missed</c> (not fired within the grace period after its fire time: the scheduler is down
/// or stuck) or <c>failing</c> (its last N finished runs all failed); missed wins when both hold.
/// </summary>
public sealed record ScheduleHealthResource(
    [property: Description("ok, paused, missed or failing.")] string State,
    bool Missed,
    bool Failing,
    [property: Description("Failures in a row among the latest finished runs, counted up to N.")] int FailuresInARow,
    [property: Description("The fire time not fired in time, when missed.")] DateTimeOffset? MissedFireTime);

/// <summary>One change of a schedule: created, updated, paused, resumed or deleted; the fields that changed, old → new; who and when.</summary>
public sealed record ScheduleChangeResource(
    long Id, string Action,
    [property: Description("{ field: { old, new } } for each field that changed.")] JsonElement Changes,
    [property: Description("The owner of the API key that made the change.")] string Actor,
    [property: Description("The id of the API key that made the change.")] Guid? ActorKeyId,
    DateTimeOffset ChangedAt);

public sealed record ScheduleHistoryPage(IReadOnlyList<ScheduleChangeResource> Items, string? NextCursor);
