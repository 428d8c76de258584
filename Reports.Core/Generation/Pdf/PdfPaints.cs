using SkiaSharp;

namespace Reports.Core.Generation.Pdf;

/// <summary>The few colours of a report, created once per document.</summary>
internal sealed class PdfPaints : IDisposable
{
    public SKPaint Text { get; } = Fill(0x1F2933);
    public SKPaint Muted { get; } = Fill(0x616E7C);
    public SKPaint HeaderFill { get; } = Fill(0x2F3B4C);
    public SKPaint HeaderText { get; } = Fill(0xFFFFFF);
    public SKPaint Shade { get; } = Fill(0xF1F4F8);
    public SKPaint TotalsFill { get; } = Fill(0xDDE4EE);
    public SKPaint Rule { get; } = Stroke(0xBCC6D3, 0.5f);
    public SKPaint Grid { get; } = Stroke(0xE1E6ED, 0.5f);
    public SKPaint ChartLine { get; } = Stroke(0x1F6FB2, 1.2f);
    public SKPaint ChartArea { get; } = Fill(0xD3E5F5);

    public void Dispose()
    {
        foreach (var paint in new[] { Text, Muted, HeaderFill, HeaderText, Shade, TotalsFill, Rule, Grid, ChartLine, ChartArea })
        {
            paint.Dispose();
        }
    }

    private static SKPaint Fill(uint rgb) => new() { Color = new SKColor(0xFF000000 | rgb), Style = SKPaintStyle.Fill, IsAntialias = true };

    private static SKPaint Stroke(uint rgb, float width) =>
        new() { Color = new SKColor(0xFF000000 | rgb), Style = SKPaintStyle.Stroke, StrokeWidth = width, IsAntialias = true };
}
