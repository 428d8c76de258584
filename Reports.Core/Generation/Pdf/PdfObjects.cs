namespace Reports.Core.Generation.Pdf;

/// <summary>
/// The object numbers every report PDF reserves: the document's catalog, page tree and information dictionary (written
/// last, by <see cref="PdfDocumentTail"/>), and the embedded font file every page shares (written by the first segment).
/// The segments' own objects follow, each segment in a range of its own (<see cref="PdfObjectRange"/>).
/// </summary>
internal static class PdfObjects
{
    public const int Catalog = 1;
    public const int PageTree = 2;
    public const int Information = 3;
    public const int SharedFont = 4;
    public const int FirstOfSegments = 5;
}

/// <summary>
/// The object numbers one segment of a PDF numbers its objects with, from <see cref="First"/> up to (not including)
/// <see cref="Limit"/>: known before it is drawn, so segments drawn apart (by other workers) never share a number.
/// </summary>
/// <param name="IsFirst">The file's first segment: it writes the PDF header and the shared font file.</param>
internal sealed record PdfObjectRange(int First, int Limit, bool IsFirst)
{
    /// <summary>A document drawn as one segment: no bound but the format's.</summary>
    public static PdfObjectRange Whole { get; } = new(PdfObjects.FirstOfSegments, int.MaxValue, IsFirst: true);
}
