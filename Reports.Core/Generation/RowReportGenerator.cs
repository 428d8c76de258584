using System.Security.Cryptography;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Reports.Core.Catalog;
using Reports.Core.Sources;
using Reports.Core.Jobs;
using Reports.Core.Telemetry;

namespace Reports.Core.Generation;

/// <summary>
/// Produces the formats written row by row into blocks that resume where a crash left them: CSV and JSON Lines, each
/// with its <see cref="RowBlockWriter"/>. Reads keyset pages, formats rows into UTF-8 block buffers of about 4 MiB, and
/// stages each block while the next one is being read and formatted (a bounded pipeline of <see cref="GenerationOptions.BlocksInFlight"/>
/// blocks). The blocks a page fills are handed on once the page is closed, so slow storage never keeps a source's
/// statement open (memory: one page's blocks beside those in flight). After each staged block it checkpoints; at the end it commits the block list. A file that fits in its first
/// block is written in one call instead, with no checkpoint: a retry would write the same bytes again. A checkpoint whose
/// blocks storage no longer holds (it came back empty) is not resumed: the file starts again from its first row.
/// </summary>
public sealed class RowReportGenerator(SourceConnections sources, IReportFiles files, BlockBuffers buffers, IOptions<GenerationOptions> options)
{
    public const string CsvContentType = "text/csv; charset=utf-8";
    public const string NdjsonContentType = "application/x-ndjson";
    public const string GzipContentType = "application/gzip";

    public async Task<ReportFile> GenerateAsync(GenerationRequest request, IJobProgress progress, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var resumed = request.Checkpoint.Blocks > 0
            && await files.HasBlocksAsync(request.BlobName, request.Checkpoint.BlockRuns(), cancellationToken);
        var start = resumed ? request.Checkpoint : GenerationCheckpoint.Start;
        var blocks = Channel.CreateBounded<StagedBlock>(new BoundedChannelOptions(settings.BlocksInFlight)
        {
            SingleReader = true,
            SingleWriter = true,
        });

        var (contentType, downloadName) = IsGzip(request)
            ? (GzipContentType, request.DownloadName + ".gz")
            : (ContentTypeOf(request), request.DownloadName);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var produce = ProduceAsync(request, start, progress, blocks.Writer, stop.Token);
        var upload = UploadAsync(request, start, progress, blocks.Reader, hash: !resumed, (contentType, downloadName), stop.Token);
        UploadResult result;
        try
        {
            await PipelineTasks.WhenBothAsync(produce, upload, stop);
            result = await upload;
        }
        finally
        {
            while (blocks.Reader.TryRead(out var unused))
            {
                unused.Content.Dispose();
            }
        }

        if (!result.Committed)
        {
            await files.CommitAsync(request.BlobName, result.Checkpoint.BlockRuns(), new FileWrite(request.Attempt, contentType, downloadName), cancellationToken);
        }

        var sha256 = result.Sha256 ?? await HashCommittedAsync(request.BlobName, cancellationToken);
        return new ReportFile(request.BlobName, downloadName, contentType, result.Checkpoint.Bytes, sha256, result.Checkpoint.Rows);
    }

    private async Task ProduceAsync(
        GenerationRequest request, GenerationCheckpoint start, IJobProgress progress, ChannelWriter<StagedBlock> output, CancellationToken cancellationToken)
    {
        try
        {
            var report = request.Report;
            var reader = new KeysetReader(report, request.Arguments, options.Value.PageSize, sources.Dialect(report), token => sources.QuerySlotAsync(report, token));
            var cursor = new KeysetCursor(report);
            if (start.Cursor is { } saved)
            {
                cursor.Restore(saved);
            }

            await using var connection = await sources.OpenAsync(report, cancellationToken);
            var total = await reader.CountAsync(connection, cancellationToken);
            await progress.ReportTotalAsync(total, cancellationToken);
            GenerationLimits.CheckRows(report, total);
            var gzip = IsGzip(request);

            using var writer = CreateWriter(request, options.Value.BlockSizeBytes);
            var scratch = new byte[1024];
            var rows = start.Rows;
            var bytes = start.Bytes;
            var staged = start;
            if (staged.Blocks == 0)
            {
                writer.WriteHeader(report.Columns);
            }

            StagedBlock Cut(bool last)
            {
                // Compressed block by block: each is a complete gzip member, and members concatenate into one valid
                // .gz file, so staging, checkpoints and resuming work exactly as for a plain file.
                var block = gzip ? GzipBlocks.Compress(writer.TakeBlock(), buffers) : writer.TakeBlock();
                bytes += block.Length;
                var checkpoint = staged.Next(cursor.HasValue ? cursor.Serialize() : null, rows, bytes, request.Attempt);
                var cut = new StagedBlock(new FileBlock(request.Attempt, staged.Blocks), block, checkpoint, WholeFile: last && staged.Blocks == 0);
                staged = checkpoint;
                return cut;
            }

            // The blocks a page fills wait until the page is closed: a page's statement runs until its last row is read,
            // so waiting for slow storage while it is open would hold the source's statement (and its query slot) open too.
            var cutInPage = new List<StagedBlock>();
            int pageRows;
            var pageNumber = 0;
            do
            {
                using var pageActivity = ReportsActivities.Source.StartActivity(ReportsActivities.Page);
                pageActivity?.SetTag(ReportsActivities.PageTag, ++pageNumber);
                pageRows = 0;
                try
                {
                    await using var page = await reader.OpenSequentialPageAsync(connection, cursor, cancellationToken);
                    while (await page.ReadAsync(cancellationToken))
                    {
                        RowCopier.Copy(writer, report.Columns, page.Row, cursor, ref scratch);
                        rows++;
                        pageRows++;
                        if (writer.IsBlockFull)
                        {
                            cutInPage.Add(Cut(last: false));
                        }
                    }
                }
                catch
                {
                    Discard(cutInPage, from: 0);
                    throw;
                }

                await SendAsync(cutInPage, output, cancellationToken);

                pageActivity?.SetTag(ReportsActivities.RowsTag, pageRows);
                ReportsMetrics.RowsWritten.Add(pageRows, new KeyValuePair<string, object?>(ReportsActivities.ReportTypeTag, report.Name));
                if (pageRows == options.Value.PageSize)
                {
                    // More pages follow; after the last one the completion records the rows.
                    await progress.ReportRowsAsync(rows, cancellationToken);
                }
            }
            while (pageRows == options.Value.PageSize);

            await reader.CheckNoRowLeftOutAsync(connection, total, rows, cancellationToken);

            // The last, partial block; or the only one, holding just the header (or nothing), for an empty report.
            if (writer.Length > 0 || staged.Blocks == 0)
            {
                await output.WriteAsync(Cut(last: true), cancellationToken);
            }

            output.Complete();
        }
        catch (Exception e)
        {
            output.Complete(e);
            throw;
        }
    }

    /// <summary>Hands the blocks on to the upload, in order; those not handed on (a failure, a cancel) are disposed here.</summary>
    private static async Task SendAsync(List<StagedBlock> blocks, ChannelWriter<StagedBlock> output, CancellationToken cancellationToken)
    {
        var sent = 0;
        try
        {
            for (; sent < blocks.Count; sent++)
            {
                await output.WriteAsync(blocks[sent], cancellationToken);
            }
        }
        finally
        {
            Discard(blocks, from: sent);
        }
    }

    private static void Discard(List<StagedBlock> blocks, int from)
    {
        foreach (var block in blocks.Skip(from))
        {
            block.Content.Dispose();
        }

        blocks.Clear();
    }

    private async Task<UploadResult> UploadAsync(
        GenerationRequest request, GenerationCheckpoint start, IJobProgress progress, ChannelReader<StagedBlock> input, bool hash,
        (string ContentType, string DownloadName) file, CancellationToken cancellationToken)
    {
        using var sha = hash ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
        var last = start;
        await foreach (var staged in input.ReadAllAsync(cancellationToken))
        {
            using (staged.Content)
            using (var activity = ReportsActivities.Source.StartActivity(ReportsActivities.Block))
            {
                activity?.SetTag(ReportsActivities.BlockTag, staged.Block.Sequence);
                activity?.SetTag(ReportsActivities.BytesTag, staged.Content.Length);
                ReportsMetrics.BytesWritten.Add(staged.Content.Length, new KeyValuePair<string, object?>(ReportsActivities.ReportTypeTag, request.Report.Name));
                if (staged.WholeFile)
                {
                    await files.UploadAsync(request.BlobName, staged.Content.Memory, new FileWrite(request.Attempt, file.ContentType, file.DownloadName), cancellationToken);
                }
                else
                {
                    // Not cancelled halfway: a request abandoned by the client may still land after a cancelled job's
                    // blob was deleted, leaving a block behind. The pipeline stops before the next block instead.
                    await files.StageBlockAsync(request.BlobName, staged.Block, staged.Content.Memory, CancellationToken.None);
                }

                sha?.AppendData(staged.Content.Memory.Span);
            }

            if (staged.WholeFile)
            {
                return new UploadResult(staged.Checkpoint, sha is null ? null : Convert.ToHexStringLower(sha.GetHashAndReset()), Committed: true);
            }

            await progress.CheckpointAsync(staged.Checkpoint, cancellationToken);
            last = staged.Checkpoint;
        }

        return new UploadResult(last, sha is null ? null : Convert.ToHexStringLower(sha.GetHashAndReset()), Committed: false);
    }

    /// <summary>A resumed file's first blocks were hashed by an earlier attempt: hash the committed file instead.</summary>
    private async Task<string> HashCommittedAsync(string blobName, CancellationToken cancellationToken)
    {
        await using var stream = await files.OpenReadAsync(blobName, cancellationToken);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
    }

    private static bool IsGzip(GenerationRequest request) =>
        request.Arguments.Get<string>(OutputParameters.Compression) == OutputParameters.Gzip;

    private static string ContentTypeOf(GenerationRequest request) =>
        request.Format == ReportFormats.Ndjson ? NdjsonContentType : CsvContentType;

    private RowBlockWriter CreateWriter(GenerationRequest request, int blockSize) => request.Format switch
    {
        ReportFormats.Csv => new CsvBlockWriter(blockSize, buffers),
        ReportFormats.Ndjson => new NdjsonBlockWriter(request.Report.Columns, blockSize, buffers),
        _ => throw new ArgumentException($"Format '{request.Format}' is not written row by row.", nameof(request)),
    };

    /// <param name="WholeFile">The first block is also the last: the file is written in one call.</param>
    private sealed record StagedBlock(FileBlock Block, FormattedBlock Content, GenerationCheckpoint Checkpoint, bool WholeFile);

    /// <param name="Committed">Written whole (one block), so there is no block list to commit.</param>
    private sealed record UploadResult(GenerationCheckpoint Checkpoint, string? Sha256, bool Committed);
}
