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
}
