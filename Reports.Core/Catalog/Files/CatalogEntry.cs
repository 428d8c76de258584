namespace Reports.Core.Catalog.Files;

/// <summary>A report read from a file, with the lines that a check against the database names in its errors.</summary>
public sealed record CatalogEntry(ReportDefinition Definition, string File, int NameLine, int QueryLine, IReadOnlyList<int> ColumnLines);
