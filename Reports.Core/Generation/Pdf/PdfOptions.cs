using System.ComponentModel.DataAnnotations;

namespace Reports.Core.Generation.Pdf;

/// <summary>How PDFs are drawn (<c>Reports:Pdf</c>).</summary>
public sealed class PdfOptions
{
    public const string SectionName = "Reports:Pdf";

    /// <summary>
    /// The one font every PDF is drawn with, resolved explicitly: the system default is not reliable, and a missing
    /// font must stop the service at start rather than produce blank text.
    /// </summary>
    [Required]
    public string FontPath { get; set; } = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

    /// <summary>
    /// Pages Skia draws in one document before it is closed and stitched into the file (<see cref="PdfPartsDocument"/>):
    /// Skia keeps about 1 KB per page of a document until it is closed, and every part embeds the font once more
    /// before the stitcher shares it, so this trades a worker's memory (~1 MB a part) against a little work per part
    /// (500 pages drew ~3% slower). A part never crosses a segment.
    /// </summary>
    [Range(1, 20_000)]
    public int PagesPerPart { get; set; } = 1_000;

    /// <summary>
    /// Pages of a PDF drawn as one segment (<see cref="PdfSegments"/>): a longer PDF is cut into segments (at most 16)
    /// that any worker of the queue may draw at the same time. A segment lost with its worker is drawn again whole.
    /// </summary>
    [Range(10, 1_000_000)]
    public int PagesPerSegment { get; set; } = 1_000;
}
