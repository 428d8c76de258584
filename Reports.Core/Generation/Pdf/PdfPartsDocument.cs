using SkiaSharp;

namespace Reports.Core.Generation.Pdf;

/// <summary>
/// A PDF drawn as a series of Skia documents of at most <c>pagesPerPart</c> pages each, stitched into one file as each
/// part is finished (<see cref="PdfStitcher"/>). Skia keeps every page's dictionary in native memory until its
/// document is closed (about 1 KB a page), so one document for a 20,000-page report grows by tens of MB; a part is
/// closed and freed every few hundred pages, and the worker's memory stays that of one part whatever the page count.
/// Each part is written to a scratch file (Skia needs a stream that never throws), then copied into the output. What
/// it writes is one segment of a PDF (objects numbered in the segment's <see cref="PdfObjectRange"/>): the file is whole
/// once <see cref="PdfDocumentTail"/> follows its last segment.
/// </summary>
internal sealed class PdfPartsDocument : IDisposable
{
    private readonly Stream _output;
    private readonly int _pagesPerPart;
    private readonly SKDocumentPdfMetadata _metadata;
    private readonly FileStream _scratch;
    private readonly PdfStitcher _stitcher;
    private NeverThrowingStream? _partFile;
    private SKManagedWStream? _partStream;
    private SKDocument? _part;
    private int _pagesInPart;

    public PdfPartsDocument(Stream output, int pagesPerPart, SKDocumentPdfMetadata metadata, PdfObjectRange range)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfLessThan(pagesPerPart, 1);
        (_output, _pagesPerPart, _metadata) = (output, pagesPerPart, metadata);
        _scratch = TemporaryFiles.Create("pdf-part");
        try
        {
            _stitcher = new PdfStitcher(output, range);
        }
        catch
        {
            _scratch.Dispose();
            throw;
        }
    }

    public int Pages { get; private set; }

    /// <summary>Bytes of the output written and flushed: they will not change.</summary>
    public long Flushed { get; private set; }

    public int Parts => _stitcher.Parts;

    public SKCanvas BeginPage(float width, float height)
    {
        if (_part is null)
        {
            _scratch.SetLength(0);
            _scratch.Position = 0;
            _partFile = new NeverThrowingStream(_scratch);
            _partStream = new SKManagedWStream(_partFile, disposeManagedStream: false);
            _part = SKDocument.CreatePdf(_partStream, _metadata);
        }

        Pages++;
        _pagesInPart++;
        return _part.BeginPage(width, height);
    }

    public void EndPage()
    {
        _part!.EndPage();
        if (_pagesInPart == _pagesPerPart)
        {
            ClosePart();
        }
    }

    /// <summary>Closes the last part: the segment is written, and where its objects are is returned.</summary>
    public PdfSegmentObjects Close()
    {
        if (_part is not null)
        {
            ClosePart();
        }

        return _stitcher.Finish();
    }

    public void Dispose()
    {
        DisposePart();
        _scratch.Dispose();
    }

    private void ClosePart()
    {
        _part!.Close();
        _partStream!.Flush();
        _partFile!.Flush();
        var error = _partFile.Error;
        var length = _partFile.Position;
        DisposePart();
        if (error is not null)
        {
            throw new IOException($"Writing a part of the PDF to a temporary file failed: {error.Message}", error);
        }

        _stitcher.Append(_scratch.SafeFileHandle, length);
        _output.Flush();
        Flushed = _output.Position;
    }

    private void DisposePart()
    {
        _part?.Dispose();
        _partStream?.Dispose();
        _part = null;
        _partStream = null;
        _partFile = null;
        _pagesInPart = 0;
    }
}
