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
}
