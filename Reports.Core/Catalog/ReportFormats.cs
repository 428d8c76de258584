namespace Reports.Core.Catalog;

public static class ReportFormats
{
    public const string Csv = "csv";
    public const string Pdf = "pdf";
}
