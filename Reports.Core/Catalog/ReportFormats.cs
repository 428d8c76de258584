namespace Reports.Core.Catalog;

public static class ReportFormats
{
    public const string Csv = "csv";
    public const string Pdf = "pdf";

    /// <summary>JSON Lines: one JSON object per row.</summary>
    public const string Ndjson = "ndjson";

    /// <summary>An Excel workbook (Office Open XML spreadsheet).</summary>
    public const string Xlsx = "xlsx";

    /// <summary>No file: the job's outcome is its record (the diagnostics report that measures the engine itself).</summary>
    public const string None = "none";

    /// <summary>What every report that makes a file offers.</summary>
    public static IReadOnlyList<string> Files { get; } = [Csv, Xlsx, Ndjson, Pdf];

    public static bool MakesFile(string format) => format != None;
}
