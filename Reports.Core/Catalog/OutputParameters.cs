namespace Reports.Core.Catalog;

/// <summary>Parameters every report takes that shape the file rather than its rows; the query never sees them.</summary>
public static class OutputParameters
{
    public const string PageSize = "pageSize";
    public const string Orientation = "orientation";
    public const string Compression = "compression";
    public const string Portrait = "portrait";
    public const string Landscape = "landscape";
    public const string Gzip = "gzip";

    public static IReadOnlyList<ReportParameter> For(string defaultOrientation) =>
    [
        new()
        {
            Name = PageSize, Type = ParameterType.Text, Allowed = ["A4", "Letter"], Default = "A4", Formats = [ReportFormats.Pdf],
            Description = "PDF paper size.",
        },
        new()
        {
            Name = Orientation, Type = ParameterType.Text, Allowed = [Portrait, Landscape], Default = defaultOrientation, Formats = [ReportFormats.Pdf],
            Description = "PDF page orientation.",
        },
        new()
        {
            Name = Compression, Type = ParameterType.Text, Allowed = ["none", Gzip], Default = "none", Formats = [ReportFormats.Csv, ReportFormats.Ndjson],
            Description = "\"gzip\" stores the file gzip-compressed (.csv.gz, .ndjson.gz).",
        },
    ];
}
