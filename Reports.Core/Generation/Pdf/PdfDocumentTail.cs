using SkiaSharp;

namespace Reports.Core.Generation.Pdf;

/// <summary>
/// Writes what follows a PDF's segments: the page tree over every part of every segment, the catalog, the information
/// dictionary and the cross-reference table, whose offsets are each segment's own moved by where the segment starts in
/// the file. Numbers no segment used (each segment's range is reserved before it is drawn) are listed as free.
/// </summary>
internal static class PdfDocumentTail
{
    /// <param name="offset">Where in the file the tail's first byte goes (the segments' bytes come before it).</param>
    /// <param name="segments">Each segment's objects, and where in the file the segment starts, in file order.</param>
    /// <param name="id">The file identifier (16 bytes): the same for the same report drawn again, however it was drawn.</param>
    public static void Write(
        Stream output, long offset, IReadOnlyList<PlacedSegment> segments, long pageCount, SKDocumentPdfMetadata metadata, ReadOnlySpan<byte> id)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(segments);
        var fontKey = segments.Count > 0 ? segments[0].Objects.FontKey : null;
        if (segments.Any(s => s.Objects.FontKey is { } key && key != fontKey) || (fontKey is not null && segments[0].Objects.FontOffset is null))
        {
            // A worker with another font file drew a segment: its pages would show the first segment's glyphs.
            throw new PdfLayoutException("The segments of this PDF were drawn with different fonts; it is drawn again.");
        }

        var start = output.Position;
        var pageTree = offset;
        PdfSyntax.WriteInvariant(output, $"{PdfObjects.PageTree} 0 obj\n<</Type /Pages\n/Count ");
        PdfSyntax.WriteInteger(output, pageCount);
        output.Write("\n/Kids ["u8);
        var first = true;
        foreach (var tree in segments.SelectMany(s => s.Objects.PartTrees))
        {
            if (!first)
            {
                output.Write(" "u8);
            }

            PdfSyntax.WriteReference(output, tree);
            first = false;
        }

        output.Write("]>>\nendobj\n"u8);

        var catalog = offset + output.Position - start;
        PdfSyntax.WriteInvariant(output, $"{PdfObjects.Catalog} 0 obj\n<</Type /Catalog\n/Pages {PdfObjects.PageTree} 0 R>>\nendobj\n");

        var information = offset + output.Position - start;
        PdfSyntax.WriteInvariant(output, $"{PdfObjects.Information} 0 obj\n<<");
        WriteText(output, "/Title ", metadata.Title);
        WriteText(output, "/Subject ", metadata.Subject);
        WriteText(output, "/Creator ", metadata.Creator);
        WriteText(output, "/Producer ", metadata.Producer);
        WriteDate(output, "/CreationDate ", metadata.Creation);
        WriteDate(output, "/ModDate ", metadata.Modified);
        output.Write(">>\nendobj\n"u8);

        var table = offset + output.Position - start;
        var font = segments.Select(s => s.Objects.FontOffset is { } at ? s.Start + at : (long?)null).FirstOrDefault(at => at is not null);
        var runs = Runs(segments, catalog, pageTree, information, font);
        PdfCrossReferenceTable.Write(output, runs);

        var size = PdfCrossReferenceTable.Size(runs);
        var hex = Convert.ToHexString(id);
        PdfSyntax.WriteInvariant(output,
            $"trailer\n<</Size {size}\n/Root {PdfObjects.Catalog} 0 R\n/Info {PdfObjects.Information} 0 R\n/ID [<{hex}> <{hex}>]>>\nstartxref\n{table}\n%%EOF\n");
    }

    /// <summary>Every object of the file as runs in number order: the tail's own, the shared font, each segment's.</summary>
    private static List<PdfObjectRun> Runs(IReadOnlyList<PlacedSegment> segments, long catalog, long pageTree, long information, long? font)
    {
        var runs = new List<PdfObjectRun>
        {
            new(PdfObjects.Catalog, [catalog], 0),
            new(PdfObjects.PageTree, [pageTree], 0),
            new(PdfObjects.Information, [information], 0),
        };
        if (font is { } at)
        {
            runs.Add(new(PdfObjects.SharedFont, [at], 0));
        }

        runs.AddRange(segments.Where(s => s.Objects.Offsets.Count > 0).Select(s => new PdfObjectRun(s.Objects.First, s.Objects.Offsets, s.Start)));
        runs.Sort((a, b) => a.First.CompareTo(b.First));
        return runs;
    }

    private static void WriteText(Stream output, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            PdfSyntax.WriteAscii(output, "\n" + key);
            PdfSyntax.WriteTextString(output, value);
        }
    }

    private static void WriteDate(Stream output, string key, DateTime? value)
    {
        if (value is { } date)
        {
            PdfSyntax.WriteInvariant(output, $"\n{key}(D:{date.ToUniversalTime():yyyyMMddHHmmss}+00'00')");
        }
    }
}

/// <summary>A drawn segment of a PDF, and where in the file its first byte is.</summary>
internal sealed record PlacedSegment(long Start, PdfSegmentObjects Objects);
