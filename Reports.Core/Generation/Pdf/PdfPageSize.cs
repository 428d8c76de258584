using Reports.Core.Catalog;

namespace Reports.Core.Generation.Pdf;

/// <summary>A page's size in points (1/72 inch), after orientation.</summary>
public sealed record PdfPageSize(string Name, float Width, float Height)
{
    public static PdfPageSize For(string? paper, string? orientation)
    {
        var (name, shortSide, longSide) = paper == "Letter" ? ("Letter", 612f, 792f) : ("A4", 595f, 842f);
        return orientation == OutputParameters.Landscape
            ? new PdfPageSize($"{name} landscape", longSide, shortSide)
            : new PdfPageSize($"{name} portrait", shortSide, longSide);
    }
}
