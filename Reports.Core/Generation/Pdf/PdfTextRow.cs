using SkiaSharp;

namespace Reports.Core.Generation.Pdf;

/// <summary>
/// The cells of one table row gathered as the runs of one text blob and drawn with one call. Skia's DrawText makes a
/// text blob, a builder and their .NET wrappers for every string; a report draws tens of cells per row, so one blob
/// per row makes a fraction of the garbage and of the calls into Skia, and the text reads back the same.
/// </summary>
internal sealed class PdfTextRow(PdfFont fonts) : IDisposable
{
    private readonly SKTextBlobBuilder _builder = new();
    private int _runs;

    /// <summary>Adds <paramref name="text"/> with its baseline starting at (<paramref name="x"/>, <paramref name="y"/>).</summary>
    public void Add(SKFont font, string text, float x, float y)
    {
        if (text.Length > 0 && PdfFont.IsLatin(text))
        {
            fonts.LatinGlyphs(text, _builder.AllocateRun(font, text.Length, x, y).Glyphs);
            _runs++;
            return;
        }

        var glyphs = font.CountGlyphs(text);
        if (glyphs == 0)
        {
            return;
        }

        var run = _builder.AllocateRun(font, glyphs, x, y);
        font.GetGlyphs(text, run.Glyphs);
        _runs++;
    }

    /// <summary>Draws the runs added since the last call, and starts again.</summary>
    public void Draw(SKCanvas canvas, SKPaint paint)
    {
        if (_runs == 0)
        {
            return;
        }

        _runs = 0;
        using var blob = _builder.Build();
        if (blob is not null)
        {
            canvas.DrawText(blob, 0, 0, paint);
        }
    }

    public void Dispose() => _builder.Dispose();
}
