namespace Reports.Core.Catalog.Files;

/// <summary>A report read from a file, with the lines that a check against the database names in its errors.</summary>
/// <param name="FieldLines">
/// The lines of the other fields whose SQL is checked (<c>query.keys</c>, <c>query.page_join</c>, <c>subject_sql</c>,
/// <c>totals</c>, <c>chart</c>, <c>parameters[i].must_exist</c>), where the file has them.
/// </param>
public sealed record CatalogEntry(
    ReportDefinition Definition, string File, int NameLine, int QueryLine, IReadOnlyList<int> ColumnLines, IReadOnlyDictionary<string, int> FieldLines)
{
    /// <summary>A report that comes from no file (the diagnostics report): its errors name the report instead.</summary>
    public static CatalogEntry Unlocated(ReportDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return new CatalogEntry(definition, $"report '{definition.Name}'", 0, 0, [.. definition.Columns.Select(_ => 0)], new Dictionary<string, int>());
    }

    /// <summary>The line of <paramref name="field"/>, else of the query.</summary>
    public int LineOf(string field) => FieldLines.TryGetValue(field, out var line) ? line : QueryLine;
}
