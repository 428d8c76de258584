using Microsoft.Extensions.Options;
using Reports.Core.Jobs;
using SkiaSharp;

namespace Reports.Core.Generation.Pdf;

/// <summary>
/// The typeface of every PDF, loaded once from <see cref="PdfOptions.FontPath"/>. One face only: each face used is
/// embedded in the file, so sizes and shading carry the emphasis instead of a bold face.
/// </summary>
public sealed class PdfFont : IDisposable
{
    /// <summary>Characters below this (ASCII, Latin-1, Latin Extended-A and -B) are measured from a table.</summary>
    private const int TableSize = 0x250;

    private readonly SKTypeface _typeface;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<float, float[]> _advances = new();
    private readonly Lazy<ushort[]> _latinGlyphs;

    public PdfFont(IOptions<PdfOptions> options)
    {
        var path = options.Value.FontPath;
        _typeface = TryLoad(path) ?? throw new InvalidOperationException(
            $"The PDF font '{path}' is missing or unreadable (Reports:Pdf:FontPath). Install fonts-dejavu-core or point the setting at a TrueType font.");
        FamilyName = _typeface.FamilyName;
        _latinGlyphs = new Lazy<ushort[]>(() =>
        {
            using var font = Create(10f);
            return font.GetGlyphs(LatinCharacters());
        });
    }

    public string FamilyName { get; }

    /// <summary>Whether the file is a font Skia can draw with (checked at start, so a missing font stops the service).</summary>
    public static bool IsUsable(string path)
    {
        using var typeface = TryLoad(path);
        return typeface is { GlyphCount: > 0 };
    }

    private static SKTypeface? TryLoad(string path) => File.Exists(path) ? SKTypeface.FromFile(path) : null;

    // Unhinted, linear metrics: glyph advances match the widths embedded in the PDF, so text extracts without stray spaces.
    public SKFont Create(float size) =>
        new(_typeface, size) { Subpixel = true, LinearMetrics = true, Hinting = SKFontHinting.None, Edging = SKFontEdging.Antialias };

    /// <summary>
    /// Text as it can be drawn on one line: control characters (newlines, tabs) become spaces. Characters the font has
    /// no glyph for are an error, never blank boxes in a report.
    /// </summary>
    public string Printable(SKFont font, string text)
    {
        var clean = text;
        if (text.AsSpan().IndexOfAnyInRange('\0', '\u001f') >= 0)
        {
            clean = string.Create(text.Length, text, static (span, source) =>
            {
                for (var i = 0; i < source.Length; i++)
                {
                    span[i] = char.IsControl(source[i]) ? ' ' : source[i];
                }
            });
        }

        // DejaVu Sans covers all of Latin-1 and Latin Extended: only other text needs the (slower) glyph lookup.
        if (clean.AsSpan().IndexOfAnyExceptInRange(' ', '\u024f') >= 0 && !font.ContainsGlyphs(clean))
        {
            throw new ReportDefinitionException(
                $"The text \"{clean}\" has characters the PDF font ({FamilyName}) cannot show; use the CSV format for this data.");
        }

        return clean;
    }

    /// <summary>The text on one line within <paramref name="width"/>, cut with an ellipsis when it is longer.</summary>
    public string Fit(SKFont font, string value, float width)
    {
        var text = Printable(font, value);
        if (Measure(font, text) <= width)
        {
            return text;
        }

        var keep = font.BreakText(text, Math.Max(0f, width - font.MeasureText("…")));
        if (keep > 0 && char.IsHighSurrogate(text[keep - 1]))
        {
            keep--;
        }

        return string.Concat(text.AsSpan(0, keep).TrimEnd(), "…");
    }

    /// <summary>
    /// The advance width of <paramref name="text"/>, as <see cref="SKFont.MeasureText(string, SKPaint)"/> gives it (the sum
    /// of the glyphs' advances; unhinted linear metrics, no kerning), summed from a table for the Latin characters, so a
    /// cell that fits costs no call into Skia. Other text is measured by Skia.
    /// </summary>
    public float Measure(SKFont font, string text)
    {
        var advances = Advances(font);
        var width = 0f;
        foreach (var c in text)
        {
            if (c >= advances.Length)
            {
                return font.MeasureText(text);
            }

            width += advances[c];
        }

        return width;
    }

    /// <summary>Whether every character of <paramref name="text"/> is in the tables (one glyph each: the font maps each character alone).</summary>
    public static bool IsLatin(string text) => !text.AsSpan().ContainsAnyExceptInRange('\0', (char)(TableSize - 1));

    /// <summary>
    /// The glyphs of Latin <paramref name="text"/> (<see cref="IsLatin"/>), one per character, from a table: the ones
    /// <see cref="SKFont.GetGlyphs(string, Span{ushort})"/> gives, without two calls into Skia for every cell.
    /// </summary>
    public void LatinGlyphs(string text, Span<ushort> glyphs)
    {
        var table = _latinGlyphs.Value;
        for (var i = 0; i < text.Length; i++)
        {
            glyphs[i] = table[text[i]];
        }
    }

    // Called for every cell: a lock-free read once the table of a size exists.
    private float[] Advances(SKFont font) => _advances.GetOrAdd(font.Size, static (_, f) => f.GetGlyphWidths(LatinCharacters()), font);

    private static string LatinCharacters() => string.Create(TableSize, 0, static (span, _) =>
    {
        for (var i = 0; i < span.Length; i++)
        {
            span[i] = (char)i;
        }
    });

    public void Dispose() => _typeface.Dispose();
}
