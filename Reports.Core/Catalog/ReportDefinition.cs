using QueueNames = Reports.Core.Queue.QueueNames;

namespace Reports.Core.Catalog;

/// <summary>A report of the catalog: data plus a query.</summary>
public sealed record ReportDefinition
{
    public required string Name { get; init; }
    public required string Title { get; init; }
    public required string Description { get; init; }
    public required IReadOnlyList<ReportParameter> Parameters { get; init; }
    public required IReadOnlyList<ReportColumn> Columns { get; init; }
    public required KeysetQuery Query { get; init; }

    /// <summary>Turns validated parameters into the query's named SQL parameters.</summary>
    public required Func<ReportArguments, IReadOnlyDictionary<string, object?>> Bind { get; init; }

    public string Queue { get; init; } = QueueNames.Interactive;
    public int MaxAttempts { get; init; } = 5;
    public IReadOnlyList<string> Formats { get; init; } = ["csv"];

    /// <summary>The longest span allowed between the <c>from</c> and <c>to</c> dates, if the report has them.</summary>
    public int? MaxDateSpanDays { get; init; }
}
