using System.Globalization;
using SkiaSharp;

namespace Reports.Core.Generation.Pdf;

/// <summary>
/// What surrounds the table on a page: the title block (and chart) on page 1, a running header on later pages,
/// and the footer with <c>Page N of M</c> on every page.
/// </summary>
internal sealed class PdfPageFrame(PdfLayout layout, PdfFont font, PdfPaints paints, PdfHeading heading, long pageCount, PdfChartSeries? chart)
    : IDisposable
{
    private readonly SKFont _titleFont = font.Create(16f);
    private readonly SKFont _infoFont = font.Create(8.5f);
    private readonly SKFont _footerFont = font.Create(7.5f);

    public void Draw(SKCanvas canvas, int page)
    {
        var left = layout.ContentLeft;
        var right = left + layout.ContentWidth;
        if (page == 1)
        {
            var y = PdfLayout.Margin;
            canvas.DrawText(font.Fit(_titleFont, heading.Title, layout.ContentWidth), left, y + 17f, _titleFont, paints.Text);
            y += PdfLayout.TitleHeight;
            foreach (var line in new[] { heading.Subject, heading.Parameters, heading.Generated })
            {
                if (line is not null)
                {
                    var paint = line == heading.Subject ? paints.Text : paints.Muted;
                    canvas.DrawText(font.Fit(_infoFont, line, layout.ContentWidth), left, y + 9.5f, _infoFont, paint);
                    y += PdfLayout.InfoLineHeight;
                }
            }

            if (chart is not null)
            {
                PdfChart.Draw(canvas, SKRect.Create(left, layout.ChartTop, layout.ContentWidth, PdfLayout.ChartHeight), chart, font, paints);
            }
        }
        else
        {
            var running = heading.Subject is null ? heading.Title : $"{heading.Title} · {heading.Subject}";
            canvas.DrawText(font.Fit(_infoFont, running, layout.ContentWidth), left, PdfLayout.Margin + 10f, _infoFont, paints.Muted);
        }

        var footer = layout.ContentBottom + 6f;
        canvas.DrawLine(left, footer, right, footer, paints.Rule);
        var pageText = string.Create(CultureInfo.InvariantCulture, $"Page {page} of {pageCount}");
        var pageWidth = _footerFont.MeasureText(pageText);
        canvas.DrawText(pageText, right, footer + 11f, SKTextAlign.Right, _footerFont, paints.Muted);
        canvas.DrawText(font.Fit(_footerFont, $"{heading.Title} · {heading.Generated}", layout.ContentWidth - pageWidth - 20f),
            left, footer + 11f, _footerFont, paints.Muted);
    }

    public void Dispose()
    {
        _titleFont.Dispose();
        _infoFont.Dispose();
        _footerFont.Dispose();
    }
}
