namespace Reports.Core.Catalog;

public static class ReportFormats
{
    public const string Csv = "csv";
    public const string Pdf = "pdf";

    /// <summary>No file: the job's outcome is its record (the diagnostics report that measures the engine itself).</summary>
    public const string None = "none";

    public static bool MakesFile(string format) => format != None;
}
