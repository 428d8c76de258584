using System.ComponentModel;
using System.Text.Json;

namespace Reports.Api.Features.Reports;

/// <summary>A request for a report run.</summary>
public sealed record CreateReportRequest
{
    [Description("The report type, from GET /api/report-types (e.g. \"orders\").")]
    public string? Type { get; init; }

    [Description("The file format: \"csv\", \"xlsx\" (Excel), \"ndjson\" (JSON Lines) or \"pdf\", as the catalog lists for the report (the diagnostics report \"noop\" makes no file: \"none\"). Default: the report's first format.")]
    [DefaultValue("csv")]
    public string? Format { get; init; }

    [Description("The report's parameters, as its schema in the catalog describes.")]
    public JsonElement? Parameters { get; init; }

    [Description("Where to POST the status resource, signed, when the report reaches a final state.")]
    public string? WebhookUrl { get; init; }

    [Description("Who gets an email when the report is finished (at most 20 addresses; needs SMTP configured).")]
    public IReadOnlyList<string>? EmailRecipients { get; init; }
}
