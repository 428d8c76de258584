using System.Text.Json.Nodes;

namespace Reports.Api.Features.Catalog;

/// <summary>A report of the catalog: what it is, what it takes (as a JSON Schema) and what its files hold.</summary>
public sealed record ReportTypeResource
{
    public required string Name { get; init; }
    public required string Title { get; init; }
    public required string Description { get; init; }
    public required IReadOnlyList<string> Formats { get; init; }
    public required string Queue { get; init; }
    public required JsonObject Parameters { get; init; }
    public required IReadOnlyList<ReportColumnResource> Columns { get; init; }
    public required ReportLimitsResource Limits { get; init; }
}

/// <summary>A column: its CSV header name, PDF title, type, PDF number format and alignment.</summary>
public sealed record ReportColumnResource(string Name, string Title, string Type, string? Format, string Alignment);

/// <summary>The limits a run of the report must stay within, or fail with an error naming the limit.</summary>
public sealed record ReportLimitsResource(long MaxRows, int MaxPdfPages, int TimeLimitSeconds, int MaxAttempts);

/// <summary>The whole catalog.</summary>
public sealed record ReportTypesResource(IReadOnlyList<ReportTypeResource> Types);
