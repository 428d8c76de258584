using System.Text;
using Microsoft.Extensions.Options;
using Reports.Core.Generation.Pdf;
using Reports.Tests.ReportTypes;
using SkiaSharp;

namespace Reports.Tests.Generation;

/// <summary>PDFs drawn in several Skia documents and stitched into one, read back by qpdf and poppler.</summary>
public sealed class PdfPartsDocumentTests
{
    private static readonly SKDocumentPdfMetadata Metadata = new()
    {
        Title = "Ventes · Zoë (été)",
        Subject = "Parts (1 0 R) test",
        Creator = "Reports",
        Producer = "Reports (SkiaSharp PDF)",
        Creation = new DateTime(2026, 12, 1, 10, 30, 0, DateTimeKind.Utc),
        Modified = new DateTime(2026, 12, 1, 10, 30, 0, DateTimeKind.Utc),
    };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(50)]
    public async Task Parts_make_one_valid_pdf_with_every_page_in_order(int pagesPerPart)
    {
        const int Pages = 7;
        var (bytes, parts) = Draw(Pages, pagesPerPart);

        var pdf = await PdfText.ReadAsync(bytes);

        Assert.Equal((Pages + pagesPerPart - 1) / pagesPerPart, parts);
        Assert.Equal(Pages, pdf.PageCount);
        Assert.Equal(Metadata.Title, pdf.Info["Title"]);
        Assert.Equal(Metadata.Subject, pdf.Info["Subject"]);
        Assert.Equal("Reports", pdf.Info["Creator"]);
        Assert.StartsWith("Tue Dec  1 10:30:00 2026", pdf.Info["CreationDate"], StringComparison.Ordinal);
        for (var page = 1; page <= Pages; page++)
        {
            Assert.Contains($"Page {page} of {Pages}", pdf.Pages[page - 1], StringComparison.Ordinal);
            Assert.Contains("Zoë Παπαδόπουλος, \"quoted\" (2 0 R)", pdf.Pages[page - 1], StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Parts_with_page_trees_of_several_levels_join_in_order()
    {
        // Skia's page tree has up to 8 kids a node: 20 pages a part make a tree of three levels in each part.
        var (bytes, parts) = Draw(41, 20);

        var pdf = await PdfText.ReadAsync(bytes);

        Assert.Equal(3, parts);
        Assert.Equal(41, pdf.PageCount);
        Assert.All(Enumerable.Range(1, 41), page => Assert.Contains($"Page {page} of 41", pdf.Pages[page - 1], StringComparison.Ordinal));
    }

    [Fact]
    public void The_font_skia_embeds_in_every_part_is_written_once()
    {
        var (single, _) = Draw(6, 6);
        var (stitched, parts) = Draw(6, 1);

        Assert.Equal(6, parts);
        // The font file's stream (the one dictionary with /Length1) once, each part's font descriptor referring to it.
        Assert.Equal(1, Occurrences(single, "/Length1"));
        Assert.Equal(1, Occurrences(stitched, "/Length1"));
        Assert.Equal(6, Occurrences(stitched, "/FontFile2"));
        // Six small font dictionaries and page trees more than one document, not six fonts of hundreds of KB.
        Assert.InRange(stitched.Length - single.Length, 0, 6 * 4096);
    }

    [Fact]
    public async Task The_sample_the_worker_draws_at_start_is_a_valid_two_page_pdf()
    {
        using var font = new PdfFont(Options.Create(new PdfOptions()));

        var pdf = await PdfText.ReadAsync(PdfSample.Draw(font));

        Assert.Equal(2, pdf.PageCount);
        Assert.Contains("Page 2 of 2 · 0123456789 ÀÉÎÕÜ àéîõü ŁŒŽ łœž", pdf.Pages[1], StringComparison.Ordinal);
    }

    [Fact]
    public void References_are_renumbered_and_look_alikes_in_strings_and_names_are_left_alone()
    {
        var body = "\n<</A 1 0 R\n/B (2 0 R \\) 3 0 R)\n/C3 0 R\n/D [4 0 R 5 0 R]\n/E <00 1 0 R>\n/F 6  0   R>> stream\nxx 7 0 R"u8.ToArray();
        using var output = new MemoryStream();

        var scan = PdfSyntax.Rewrite(body, n => n + 10, output);

        Assert.True(scan.HasReferences);
        Assert.Equal("\n<</A 11 0 R\n/B (2 0 R \\) 3 0 R)\n/C3 0 R\n/D [14 0 R 15 0 R]\n/E <00 1 0 R>\n/F 16 0 R>> ", Encoding.ASCII.GetString(output.ToArray()));
        Assert.Equal("stream\nxx 7 0 R", Encoding.ASCII.GetString(body[scan.End..]));
        Assert.False(PdfSyntax.Rewrite("<</Length1 75 /Length 38>> stream"u8, null, null).HasReferences);

        using var more = new MemoryStream();
        PdfSyntax.Rewrite("<</Length 9 0 R /N#20a 1 0 R /S (a (b 2 0 R) c) /K [[3 0 R] 4 0 R]/L 5 0 R>>endobj"u8, n => n * 100, more);
        Assert.Equal("<</Length 900 0 R /N#20a 100 0 R /S (a (b 2 0 R) c) /K [[300 0 R] 400 0 R]/L 500 0 R>>", Encoding.ASCII.GetString(more.ToArray()));
        Assert.Throws<InvalidDataException>(() => PdfSyntax.Rewrite("<</Length 38"u8, null, null));
    }

    private static (byte[] Bytes, int Parts) Draw(int pages, int pagesPerPart)
    {
        using var font = new PdfFont(Options.Create(new PdfOptions()));
        using var text = font.Create(10f);
        using var paint = new SKPaint { Color = SKColors.Black };
        using var output = new MemoryStream();
        int parts;
        using (var document = new PdfPartsDocument(output, pagesPerPart, Metadata, PdfObjectRange.Whole))
        {
            for (var page = 1; page <= pages; page++)
            {
                var canvas = document.BeginPage(595, 842);
                canvas.DrawText($"Page {page} of {pages}", 40, 60, text, paint);
                canvas.DrawText("Zoë Παπαδόπουλος, \"quoted\" (2 0 R)", 40, 90, text, paint);
                document.EndPage();
            }

            var objects = document.Close();
            parts = document.Parts;
            Assert.Equal(output.Length, document.Flushed);
            PdfDocumentTail.Write(output, output.Position, [new PlacedSegment(0, objects)], pages, Metadata, new byte[16]);
        }

        return (output.ToArray(), parts);
    }

    private static int Occurrences(byte[] bytes, string text)
    {
        var pattern = Encoding.ASCII.GetBytes(text);
        var count = 0;
        for (var span = bytes.AsSpan(); span.IndexOf(pattern) is var at and >= 0; span = span[(at + pattern.Length)..])
        {
            count++;
        }

        return count;
    }
}
