namespace Reports.Core.Catalog;

/// <summary>A typed parameter of a report, with the constraints the API validates before accepting a job.</summary>
public sealed record ReportParameter
{
    public required string Name { get; init; }
    public required ParameterType Type { get; init; }
    public string Description { get; init; } = "";
    public bool Required { get; init; }
    public string? Default { get; init; }
    public decimal? Minimum { get; init; }
    public decimal? Maximum { get; init; }

    /// <summary>Allowed values (for text, or for each item of a text list).</summary>
    public IReadOnlyList<string>? Allowed { get; init; }

    /// <summary>A pattern each text value must match, e.g. ISO country codes.</summary>
    public string? Pattern { get; init; }

    /// <summary>The formats this parameter applies to; all when null.</summary>
    public IReadOnlyList<string>? Formats { get; init; }

    /// <summary>When set, the value must name an existing row (checked when the report is requested).</summary>
    public ReferenceCheck? MustExist { get; init; }

    public bool AppliesTo(string? format) => format is null || Formats is null || Formats.Contains(format, StringComparer.Ordinal);
}
