using SkiaSharp;

namespace Reports.Core.Generation.Pdf;

/// <summary>A two-page PDF drawn the way reports are (two stitched parts, the report font), to check the PDF writer works.</summary>
public static class PdfSample
{
    /// <summary>Draws the sample in memory and returns the file.</summary>
    public static byte[] Draw(PdfFont font)
    {
        ArgumentNullException.ThrowIfNull(font);
        var page = PdfPageSize.For("A4", "portrait");
        using var text = font.Create(8f);
        using var paint = new SKPaint { Color = SKColors.Black };
        using var output = new MemoryStream();
        var metadata = new SKDocumentPdfMetadata { Title = "Sample", Creation = DateTime.UtcNow };
        using (var document = new PdfPartsDocument(output, pagesPerPart: 1, metadata, PdfObjectRange.Whole))
        {
            for (var number = 1; number <= 2; number++)
            {
                var canvas = document.BeginPage(page.Width, page.Height);
                canvas.DrawRect(40, 40, page.Width - 80, 12, paint);
                canvas.DrawText(font.Printable(text, $"Page {number} of 2 · 0123456789 ÀÉÎÕÜ àéîõü ŁŒŽ łœž"), 40, 70, text, paint);
                document.EndPage();
            }

            var objects = document.Close();
            PdfDocumentTail.Write(output, output.Position, [new PlacedSegment(0, objects)], 2, metadata, new byte[16]);
        }

        return output.ToArray();
    }
}
