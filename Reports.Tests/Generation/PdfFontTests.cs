using Microsoft.Extensions.Options;
using Reports.Core.Generation.Pdf;
using Reports.Core.Jobs;

namespace Reports.Tests.Generation;

public sealed class PdfFontTests
{
    [Fact]
    public void A_missing_font_is_an_error_at_start_naming_the_setting()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new PdfFont(Options.Create(new PdfOptions { FontPath = "/nonexistent/font.ttf" })));

        Assert.Contains("Reports:Pdf:FontPath", error.Message, StringComparison.Ordinal);
        Assert.False(PdfFont.IsUsable("/nonexistent/font.ttf"));
    }

    [Fact]
    public void Text_the_font_cannot_show_is_an_error_never_blank_boxes()
    {
        using var font = new PdfFont(Options.Create(new PdfOptions()));
        using var size = font.Create(8f);

        Assert.Equal("Zoë Παπαδόπουλος Мария Nguyễn", font.Printable(size, "Zoë Παπαδόπουλος Мария Nguyễn"));
        Assert.Equal("Harbour Office Building 2", font.Printable(size, "Harbour Office\nBuilding 2"));
        var error = Assert.Throws<ReportDefinitionException>(() => font.Printable(size, "田中 Hiroshi"));
        Assert.Contains("DejaVu Sans", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(7.5f, "1,234,567.89")]
    [InlineData(7.5f, "Smith, Jones & Partners")]
    [InlineData(8f, "Zoë Østergaard-Łukasz O'Connor")]
    [InlineData(8f, "Παπαδόπουλος Мария Nguyễn")]
    [InlineData(8.5f, "2024-11-30 23:59 WWWWW iiiii")]
    public void Text_is_measured_as_skia_measures_it(float points, string text)
    {
        using var font = new PdfFont(Options.Create(new PdfOptions()));
        using var size = font.Create(points);

        Assert.Equal(size.MeasureText(text), font.Measure(size, text), 3);
    }

    [Theory]
    [InlineData("1,234,567.89")]
    [InlineData("Zoë Østergaard-Łukasz O'Connor ǅ ɏ")]
    [InlineData("2024-11-30 23:59 UTC · WWWWW iiiii ~ ÿ")]
    public void Latin_text_gets_from_the_table_the_glyphs_skia_gives_it(string text)
    {
        using var font = new PdfFont(Options.Create(new PdfOptions()));
        using var size = font.Create(7.5f);
        var glyphs = new ushort[text.Length];

        Assert.True(PdfFont.IsLatin(text));
        font.LatinGlyphs(text, glyphs);

        Assert.Equal(size.GetGlyphs(text), glyphs);
        Assert.False(PdfFont.IsLatin("Παπαδόπουλος"));
        Assert.False(PdfFont.IsLatin("emoji 😀"));
    }

    [Fact]
    public void Text_too_wide_for_its_cell_is_cut_with_an_ellipsis_that_fits()
    {
        using var font = new PdfFont(Options.Create(new PdfOptions()));
        using var size = font.Create(7.5f);

        var fitted = font.Fit(size, "Smith, Jones & Partners International Holdings", 60f);

        Assert.EndsWith("…", fitted, StringComparison.Ordinal);
        Assert.True(size.MeasureText(fitted) <= 60f, fitted);
        Assert.Equal("Short", font.Fit(size, "Short", 60f));
    }
}
