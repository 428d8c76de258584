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

    /// <summary>Where the rows come from; <c>sales</c> (the system's own database) is the one source for now.</summary>
    public string Source { get; init; } = DefaultSource;

    public const string DefaultSource = "sales";

    /// <summary>
    /// The definition's version: 16 hex digits of the SHA-256 of its canonical form. A job records the version it was
    /// accepted with, and a worker holding another version fails it rather than change its output silently.
    /// </summary>
    public required string Version { get; init; }

    /// <summary>The source query; none for a report that reads no data and makes no file (diagnostics).</summary>
    public KeysetQuery? Query { get; init; }

    /// <summary>Turns validated parameters into the query's named SQL parameters.</summary>
    public Func<ReportArguments, IReadOnlyDictionary<string, object?>> Bind { get; init; } = _ => new Dictionary<string, object?>();

    /// <summary>The source query of a report that makes a file.</summary>
    public KeysetQuery Keyset => Query ?? throw new Jobs.ReportDefinitionException($"Report '{Name}' reads no data.");

    public string Queue { get; init; } = QueueNames.Interactive;
    public int MaxAttempts { get; init; } = 5;
    public IReadOnlyList<string> Formats { get; init; } = ReportFormats.Files;
    public ReportLimits Limits { get; init; } = ReportLimits.Default;

    /// <summary>The longest span allowed between the <c>from</c> and <c>to</c> dates, if the report has them.</summary>
    public int? MaxDateSpanDays { get; init; }

    /// <summary>The totals rows at the end of a PDF; none when null.</summary>
    public ReportTotals? Totals { get; init; }

    /// <summary>
    /// An optional query of one text for the PDF's title block that names what the report is about (e.g. the customer),
    /// with the same SQL parameters as <see cref="Query"/>.
    /// </summary>
    public string? SubjectSql { get; init; }

    /// <summary>A chart above a PDF's table, for aggregate reports.</summary>
    public ReportChart? Chart { get; init; }

    public ReportColumn Column(string name) =>
        Columns.FirstOrDefault(c => c.Name == name) ?? throw new InvalidOperationException($"Report '{Name}' has no column '{name}'.");
}
