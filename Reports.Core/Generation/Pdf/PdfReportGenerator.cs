using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Reports.Core.Generation.Partitions;
using Reports.Core.Catalog;
using Reports.Core.Sources;
using Reports.Core.Jobs;
using SkiaSharp;

namespace Reports.Core.Generation.Pdf;

/// <summary>
/// Produces a PDF report: counts and totals the rows first (so <c>Page N of M</c> is known and a report over its limits
/// fails before drawing), then reads keyset pages and draws them page by page into a temporary file (in parts of a few
/// hundred pages, <see cref="PdfPartsDocument"/>), and uploads that file in blocks while it grows. A long PDF is cut
/// into segments of whole pages (<see cref="PdfSegments"/>) that any worker of the queue may draw
/// (<see cref="IPartitionBoard"/>), each into blocks of its own; the job's worker writes the page tree and
/// cross-references after the last (<see cref="PdfDocumentTail"/>) and commits the blocks in order. Drawn by one worker
/// or several, the file is the same. A segment cannot be resumed halfway: a lost one is drawn again from its first page.
/// </summary>
public sealed class PdfReportGenerator(
    SourceConnections sources, IReportFiles files, BlockBuffers buffers, PdfFont font, IOptions<GenerationOptions> options, IOptions<PdfOptions> pdf,
    TimeProvider time)
{
    public const string ContentType = "application/pdf";

    public Task<ReportFile> GenerateAsync(GenerationRequest request, IJobProgress progress, CancellationToken cancellationToken) =>
        GenerateAsync(request, progress, partitions: null, cancellationToken);

    /// <param name="partitions">Where a long PDF's segments are laid out and drawn, by this worker and the others of the queue; without it, one worker draws them all.</param>
    public async Task<ReportFile> GenerateAsync(
        GenerationRequest request, IJobProgress progress, IPartitionBoard? partitions, CancellationToken cancellationToken)
    {
        var report = request.Report;
        await using var connection = await sources.OpenAsync(report, cancellationToken);
        var laidOut = await LaidOutAsync(request, partitions, cancellationToken);
        var plan = laidOut ?? await PlanAsync(request, connection, progress, cancellationToken);
        if (laidOut is not null)
        {
            await progress.ReportTotalAsync(plan.Rows, cancellationToken);
        }

        var layout = Layout(request, plan);
        var segments = PdfSegments.Cut(layout, plan);
        if (partitions is null || segments.Count < 2 || sources.MaxConcurrentQueries(report) < 2)
        {
            if (partitions is not null && request.Checkpoint.Partitions is not null)
            {
                // An earlier attempt laid segments out, and this one draws the file alone: none of them may be drawn now.
                await partitions.PlanAsync([], cancellationToken);
            }

            return await DrawAloneAsync(request, progress, connection, plan, layout, segments, cancellationToken);
        }

        if (laidOut is null)
        {
            var reader = new KeysetReader(report, request.Arguments, options.Value.PageSize, sources.Dialect(report),
                token => sources.QuerySlotAsync(report, leaveOneFree: false, token));
            var cursors = await reader.CursorsBeforeAsync(connection, [.. segments.Skip(1).Select(s => s.FirstRow)], cancellationToken);
            // Each segment starts after the row its predecessor ends on, and must end on the row the next starts after.
            var layoutOfSegments = segments.Select(s => new PartitionCheckpoint(
                s.Index == 0 ? null : cursors[s.Index - 1], s.IsLast(segments) ? null : cursors[s.Index], GenerationCheckpoint.Start)).ToList();
            await partitions.PlanAsync(layoutOfSegments, cancellationToken);
            await progress.CheckpointAsync(GenerationCheckpoint.OfPartitions(layoutOfSegments) with { Pdf = plan }, cancellationToken);
        }

        // Segments are drawn on connections of their own, as helpers draw theirs, several at a time (drawing is this
        // worker's CPU); lanes past the first never take the source's last query slot.
        await connection.DisposeAsync();
        var lanes = PartitionDraws.Lanes(options.Value.LanesPerJob, sources.MaxConcurrentQueries(report), segments.Count);
        try
        {
            using var hash = new PartitionHash();
            var drawn = await PartitionDraws.DrawAllAsync(
                partitions,
                lanes,
                (claimed, lane, token) => DrawClaimedAsync(request, plan, layout, segments, claimed, extraReader: lane > 0, hash, token),
                cancellationToken);
            return await CommitSegmentsAsync(request, plan, drawn, hash, cancellationToken);
        }
        catch (PdfLayoutException)
        {
            // The rows moved since the file was laid out: the next attempt lays it out again.
            await partitions.PlanAsync([], CancellationToken.None);
            throw;
        }
    }

    /// <summary>
    /// Draws one segment of another worker's job, claimed by this one (a worker asked to help), on a connection of its
    /// own and never taking the source's last query slot. A segment not drawn whole here is given back.
    /// </summary>
    public Task DrawClaimedSegmentAsync(GenerationRequest request, IClaimedPartition claimed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(claimed);
        var plan = request.Checkpoint.Pdf ?? throw new PdfLayoutException("The job's checkpoint holds no plan of its PDF's segments.");
        var layout = Layout(request, plan);
        return DrawClaimedAsync(request, plan, layout, PdfSegments.Cut(layout, plan), claimed, extraReader: true, hash: null, cancellationToken);
    }

    /// <summary>The plan an earlier attempt laid the file out by, when its segments are still laid out and storage still holds those drawn.</summary>
    private async Task<PdfPlan?> LaidOutAsync(GenerationRequest request, IPartitionBoard? partitions, CancellationToken cancellationToken)
    {
        if (partitions is null || request.Checkpoint.Pdf is not { } plan)
        {
            return null;
        }

        var segments = await partitions.ReadAsync(cancellationToken);
        var recorded = request.Checkpoint.Partitions ?? [];
        if (segments.Count < 2 || !segments.Select(p => (p.Partition.From, p.Partition.To)).SequenceEqual(recorded.Select(p => (p.From, p.To))))
        {
            // Not the layout the plan was recorded with: a later attempt laid the file out again and stopped before it
            // recorded its plan (the layout is written first). Drawn by this plan, the segments would not meet.
            return null;
        }

        var drawn = GenerationCheckpoint.OfPartitions([.. segments.Select(p => p.Partition)]).FileBlocks();
        return drawn.Count == 0 || await files.HasBlocksAsync(request.BlobName, drawn, cancellationToken) ? plan : null;
    }

    private async Task<PdfPlan> PlanAsync(GenerationRequest request, DbConnection connection, IJobProgress progress, CancellationToken cancellationToken)
    {
        var report = request.Report;
        var bound = report.Bind(request.Arguments);
        var dialect = sources.Dialect(report);
        var totals = await sources.UnderSlotAsync(report, () => PdfQueries.TotalsAsync(connection, dialect, report, bound, cancellationToken), cancellationToken);
        await progress.ReportTotalAsync(totals.Rows, cancellationToken);
        GenerationLimits.CheckRows(report, totals.Rows);
        var subject = await sources.UnderSlotAsync(report, () => PdfQueries.SubjectAsync(connection, dialect, report, bound, cancellationToken), cancellationToken);
        var settings = pdf.Value;
        var plan = new PdfPlan(totals.Rows, 0, time.GetUtcNow(), subject, totals.Cells, settings.PagesPerSegment, settings.PagesPerPart);
        var pages = Layout(request, plan).PageCount(totals.Rows);
        if (pages > report.Limits.MaxPdfPages)
        {
            throw new ReportDefinitionException(string.Create(CultureInfo.InvariantCulture,
                $"This '{report.Name}' PDF would have {pages:#,##0} pages ({totals.Rows:#,##0} rows); the limit is {report.Limits.MaxPdfPages:#,##0}. Narrow the parameters or choose CSV."), JobError.LimitExceeded);
        }

        return plan with { Pages = pages };
    }

    /// <summary>Draws every segment, one after another, into one temporary file uploaded as it grows, and commits it.</summary>
    private async Task<ReportFile> DrawAloneAsync(
        GenerationRequest request, IJobProgress progress, DbConnection connection, PdfPlan plan, PdfLayout layout, IReadOnlyList<PdfSegment> segments,
        CancellationToken cancellationToken)
    {
        await using var file = TemporaryFiles.Create("report");
        await using var upload = new GrowingFileUpload(
            files, buffers, request.BlobName, request.Attempt, file.SafeFileHandle, options.Value.BlockSizeBytes, 0, cancellationToken);
        var cursor = new KeysetCursor(request.Report);
        var placed = new List<PlacedSegment>(segments.Count);
        foreach (var segment in segments)
        {
            var start = file.Position;
            var objects = await DrawSegmentAsync(
                request, plan, layout, segments, segment, connection, cursor, file, upload,
                (rows, token) => progress.ReportRowsAsync(segment.FirstRow + rows, token), extraReader: false, cancellationToken);
            placed.Add(new PlacedSegment(start, objects));
        }

        WriteTail(request, plan, file, file.Position, placed);
        file.Flush();
        var uploaded = await upload.CompleteAsync(file.Length);
        await files.CommitAsync(request.BlobName, [.. BlockRun.Blocks([new BlockRun(request.Attempt, uploaded.Blocks)])],
            new FileWrite(request.Attempt, ContentType, request.DownloadName), cancellationToken);
        return new ReportFile(request.BlobName, request.DownloadName, ContentType, uploaded.Bytes, uploaded.Sha256, plan.Rows);
    }

    /// <summary>
    /// Draws one claimed segment into a temporary file staged as the segment's blocks, and records it drawn with where its
    /// objects are. With <paramref name="hash"/>, the file goes to it once drawn (the job's SHA-256 is taken from it).
    /// </summary>
    private async Task DrawClaimedAsync(
        GenerationRequest request, PdfPlan plan, PdfLayout layout, IReadOnlyList<PdfSegment> segments, IClaimedPartition claimed, bool extraReader,
        PartitionHash? hash, CancellationToken cancellationToken)
    {
        var claim = claimed.Claim;
        FileStream? file = null;
        hash?.Drawing(claim.Number);
        try
        {
            var segment = claim.Number < segments.Count ? segments[claim.Number]
                : throw new PdfLayoutException($"Segment {claim.Number} is not in the plan of this PDF ({segments.Count} segments).");
            using var held = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, claimed.Lost);
            await using var connection = await sources.OpenAsync(request.Report, held.Token);
            var cursor = new KeysetCursor(request.Report);
            if (claim.Partition.From is { } from)
            {
                cursor.Restore(from);
            }

            file = TemporaryFiles.Create("segment");
            PdfSegmentObjects objects;
            UploadedBlocks uploaded;
            await using (var upload = new GrowingFileUpload(files, buffers, request.BlobName, claim.BlockToken, file.SafeFileHandle,
                options.Value.BlockSizeBytes, PartitionCheckpoint.FirstBlock(claim.Number), held.Token))
            {
                objects = await DrawSegmentAsync(
                    request, plan, layout, segments, segment, connection, cursor, file, upload, claimed.ReportRowsAsync, extraReader, held.Token);
                if (claim.Partition.To is { } lastRow && cursor.Serialize() != lastRow)
                {
                    // As many rows as counted, but not the same ones: rows came or went inside the segment since the file
                    // was laid out, and one of them would be left out of the file, or drawn twice.
                    throw new PdfLayoutException($"Segment {claim.Number} did not end on the row it was laid out to end on: rows came or went inside it since the file was laid out.");
                }

                file.Flush();
                uploaded = await upload.CompleteAsync(file.Length);
            }

            var drawn = new GenerationCheckpoint(null, uploaded.Blocks, segment.Rows, uploaded.Bytes, [new BlockRun(claim.BlockToken, uploaded.Blocks)])
            {
                Objects = objects.ToText(),
            };
            await claimed.FinishAsync(drawn, held.Token);
        }
        catch
        {
            hash?.NotDrawn(claim.Number);
            await PartitionDraws.GiveBackAsync(claimed);
            if (file is not null)
            {
                await file.DisposeAsync();
            }

            throw;
        }

        if (hash is null)
        {
            await file.DisposeAsync();
            return;
        }

        // Recorded drawn: whatever the hash does with the file from here on (it owns it) leaves the segment drawn.
        hash.Drawn(claim.Number, file);
    }

    /// <summary>Reads one segment's rows (after <paramref name="cursor"/>, which it moves) and draws its pages into <paramref name="output"/>.</summary>
    private async Task<PdfSegmentObjects> DrawSegmentAsync(
        GenerationRequest request, PdfPlan plan, PdfLayout layout, IReadOnlyList<PdfSegment> segments, PdfSegment segment, DbConnection connection,
        KeysetCursor cursor, Stream output, GrowingFileUpload upload, Func<long, CancellationToken, Task> reportRows, bool extraReader,
        CancellationToken cancellationToken)
    {
        var report = request.Report;
        var dialect = sources.Dialect(report);
        async Task<IAsyncDisposable> Slot(CancellationToken token) => await sources.QuerySlotAsync(report, extraReader, token);
        PdfChartSeries? chart = null;
        if (segment.Index == 0)
        {
            await using var slot = await Slot(cancellationToken);
            chart = await PdfQueries.ChartAsync(connection, dialect, report, report.Bind(request.Arguments), cancellationToken);
        }

        using var document = new PdfPartsDocument(output, plan.PagesPerPart, Metadata(report, plan), segment.Objects);
        using var writer = new PdfTableWriter(document, layout, font, report, Heading(request, plan, layout), plan.Pages, chart, segment);
        var read = await WholeReportPages.ReadAsync(connection, dialect, request, options.Value.PageSize, segment.Rows, sequential: false, cursor,
            exactly: true, reportRows, (row, _) => writer.WriteRow(row), () => upload.Advance(document.Flushed), Slot, cancellationToken);
        if (segment.IsLast(segments))
        {
            writer.WriteTotals(new PdfTotals(plan.Rows, plan.Totals, []));
        }

        writer.Finish();
        var lastPage = segment.FirstPage + segment.Pages - 1;
        if (read != segment.Rows || writer.Pages != lastPage)
        {
            throw new PdfLayoutException(string.Create(CultureInfo.InvariantCulture,
                $"Pages {segment.FirstPage}–{lastPage} were laid out for {segment.Rows} rows; {read} rows were read, up to page {writer.Pages}."));
        }

        var objects = document.Close();
        upload.Advance(document.Flushed);
        return objects;
    }

    /// <summary>
    /// Writes the tail after the segments other workers (and this one) drew into a temporary file, stages it, commits the
    /// file and finishes <paramref name="hash"/> with the tail as one more segment: the file's first bytes hashed here,
    /// the rest (from the first segment another worker drew) read back from storage.
    /// </summary>
    private async Task<ReportFile> CommitSegmentsAsync(
        GenerationRequest request, PdfPlan plan, IReadOnlyList<PartitionState> drawn, PartitionHash hash, CancellationToken cancellationToken)
    {
        var placed = new List<PlacedSegment>(drawn.Count);
        long length = 0;
        foreach (var segment in drawn.Select(p => p.Partition.Progress))
        {
            placed.Add(new PlacedSegment(length, PdfSegmentObjects.Parse(segment.Objects ?? throw new PdfLayoutException("A segment was recorded drawn without its objects."))));
            length += segment.Bytes;
        }

        // On disk, not in memory: the cross-reference table of a 20,000-page file is about 2 MB.
        FileStream? tail = TemporaryFiles.Create("tail");
        try
        {
            WriteTail(request, plan, tail, length, placed);
            tail.Flush();
            var blocks = GenerationCheckpoint.OfPartitions([.. drawn.Select(p => p.Partition)]).FileBlocks().ToList();
            var next = PartitionCheckpoint.FirstBlock(drawn.Count - 1) + drawn[^1].Partition.Progress.Blocks;
            UploadedBlocks staged;
            await using (var upload = new GrowingFileUpload(
                files, buffers, request.BlobName, request.Attempt, tail.SafeFileHandle, options.Value.BlockSizeBytes, next, cancellationToken))
            {
                staged = await upload.CompleteAsync(tail.Length);
            }

            blocks.AddRange(Enumerable.Range(next, staged.Blocks).Select(sequence => new FileBlock(request.Attempt, sequence)));
            await files.CommitAsync(request.BlobName, blocks, new FileWrite(request.Attempt, ContentType, request.DownloadName), cancellationToken);
            var size = length + staged.Bytes;
            hash.Drawn(drawn.Count, tail);
            tail = null;
            if (hash.ReadBackFrom(drawn.Count + 1) is { } offset)
            {
                await files.HashAsync(request.BlobName, hash.Hash, offset, cancellationToken);
            }

            return new ReportFile(request.BlobName, request.DownloadName, ContentType, size, Convert.ToHexStringLower(hash.Hash.GetHashAndReset()), plan.Rows);
        }
        finally
        {
            if (tail is not null)
            {
                await tail.DisposeAsync();
            }
        }
    }

    private static void WriteTail(GenerationRequest request, PdfPlan plan, Stream output, long offset, IReadOnlyList<PlacedSegment> placed)
    {
        // The same identifier for the same job drawn again however it was drawn (a random one would make every run differ).
        var id = SHA256.HashData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{request.JobId:N}/{plan.GeneratedAt.UtcTicks}")));
        PdfDocumentTail.Write(output, offset, placed, plan.Pages, Metadata(request.Report, plan), id.AsSpan(0, 16));
    }

    private static PdfLayout Layout(GenerationRequest request, PdfPlan plan)
    {
        var page = PdfPageSize.For(request.Arguments.Get<string>(OutputParameters.PageSize), request.Arguments.Get<string>(OutputParameters.Orientation));
        return new PdfLayout(page, plan.Subject is not null, request.Report.Chart is not null, plan.Totals.Count);
    }

    private static PdfHeading Heading(GenerationRequest request, PdfPlan plan, PdfLayout layout) => new(
        request.Report.Title,
        plan.Subject,
        "Parameters: " + DescribeParameters(request.Report, request.Arguments),
        string.Create(CultureInfo.InvariantCulture,
            $"Generated {plan.GeneratedAt:yyyy-MM-dd HH:mm} UTC · {layout.Page.Name} · {plan.Rows:#,##0} row{(plan.Rows == 1 ? "" : "s")} · {plan.Pages:#,##0} page{(plan.Pages == 1 ? "" : "s")}"));

    /// <summary>The parameters that choose the rows, as a line for a title block or document properties.</summary>
    internal static string DescribeParameters(ReportDefinition report, ReportArguments arguments)
    {
        var parts = report.Parameters
            .Where(p => p.Formats is null && arguments.Values.TryGetValue(p.Name, out var v) && v is not null)
            .Select(p => $"{p.Name} {Describe(arguments.Values[p.Name])}")
            .ToList();
        return parts.Count == 0 ? "none" : string.Join(" · ", parts);
    }

    private static string Describe(object? value) => value switch
    {
        DateOnly day => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        string[] list => string.Join(", ", list),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value?.ToString() ?? "",
    };

    private static SKDocumentPdfMetadata Metadata(ReportDefinition report, PdfPlan plan) => new()
    {
        Title = report.Title,
        Subject = plan.Subject ?? report.Description,
        Creator = "Reports",
        Producer = "Reports (SkiaSharp PDF)",
        Creation = plan.GeneratedAt.UtcDateTime,
        Modified = plan.GeneratedAt.UtcDateTime,
    };

}
