using System.Data.Common;
using System.Security.Cryptography;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Reports.Core.Catalog;
using Reports.Core.Generation.Partitions;
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
        var report = request.Report;
        var resumed = request.Checkpoint.Blocks > 0
            && await files.HasBlocksAsync(request.BlobName, request.Checkpoint.FileBlocks(), cancellationToken);
        var start = resumed ? request.Checkpoint : GenerationCheckpoint.Start;
        var file = IsGzip(request)
            ? new FileWrite(request.Attempt, GzipContentType, request.DownloadName + ".gz")
            : new FileWrite(request.Attempt, ContentTypeOf(request), request.DownloadName);

        await using var connection = await sources.OpenAsync(report, cancellationToken);
        var reader = Reader(request, range: null);
        var total = await reader.CountAsync(connection, cancellationToken);
        await progress.ReportTotalAsync(total, cancellationToken);
        GenerationLimits.CheckRows(report, total);
        var partitions = start.Partitions ?? (start.Blocks == 0 ? await PlanAsync(request, reader, connection, total, cancellationToken) : null);

        // The file's SHA-256 is taken from the blocks as they are staged, in file order: of the whole file when it is
        // read whole from its first row; of the first partition's bytes when partitioned (the rest is read back after
        // the commit). A resumed file's first blocks were hashed by an earlier attempt: it is all read back.
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        GenerationCheckpoint last;
        long hashed;
        if (partitions is null)
        {
            var lane = new Lane(0, null, start, WholeFileAllowed: true, Counted: total);
            var result = await RunLaneAsync(request, lane, connection, file, resumed ? null : sha,
                (rows, token) => progress.ReportRowsAsync(rows, token), (checkpoint, token) => progress.CheckpointAsync(checkpoint, token), cancellationToken);
            last = result.Checkpoint;
            hashed = resumed ? 0 : last.Bytes;
            if (!result.Committed)
            {
                await files.CommitAsync(request.BlobName, last.FileBlocks(), file, cancellationToken);
            }
        }
        else
        {
            var firstFresh = partitions[0].Progress.Blocks == 0;
            last = await RunPartitionsAsync(request, partitions, connection, file, progress, firstFresh ? sha : null, cancellationToken);
            await reader.CheckNoRowLeftOutAsync(connection, total, last.Rows, cancellationToken);
            await files.CommitAsync(request.BlobName, last.FileBlocks(), file, cancellationToken);
            hashed = firstFresh ? last.Partitions![0].Progress.Bytes : 0;
        }

        if (hashed < last.Bytes)
        {
            await HashCommittedAsync(request.BlobName, sha, hashed, cancellationToken);
        }

        return new ReportFile(request.BlobName, file.DownloadName, file.ContentType, last.Bytes, Convert.ToHexStringLower(sha.GetHashAndReset()), last.Rows);
    }

    /// <summary>
    /// Cuts a large report into key-range partitions of about equal rows, read side by side on connections of their own
    /// (each page still under the source's query cap): one when the report is small, gzip-compressed (whose blocks are
    /// gzip members: cut elsewhere, the file's bytes would differ from one read whole), its source cannot tell where to
    /// cut, or runs one query at a time (the extra partitions leave a source's last slot to other reports).
    /// </summary>
    private async Task<IReadOnlyList<PartitionCheckpoint>?> PlanAsync(
        GenerationRequest request, KeysetReader reader, DbConnection connection, long total, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var parts = (int)Math.Min(Math.Min(settings.ReadersPerReport, PartitionCheckpoint.MaxPartitions), total / settings.PartitionMinRows);
        if (parts < 2 || IsGzip(request) || sources.MaxConcurrentQueries(request.Report) < 2)
        {
            return null;
        }

        var bounds = (await reader.PartitionBoundsAsync(connection, parts, cancellationToken)).Select(KeysetCursor.ToText).ToList();
        return bounds.Count == 0
            ? null
            : [.. Enumerable.Range(0, bounds.Count + 1).Select(i => new PartitionCheckpoint(
                i == 0 ? null : bounds[i - 1], i == bounds.Count ? null : bounds[i], GenerationCheckpoint.Start))];
    }

    private async Task<GenerationCheckpoint> RunPartitionsAsync(
        GenerationRequest request, IReadOnlyList<PartitionCheckpoint> partitions, DbConnection connection, FileWrite file, IJobProgress progress,
        IncrementalHash? firstPartitionHash, CancellationToken cancellationToken)
    {
        var keyType = request.Report.Columns[request.Report.Keyset.KeyColumns[0]].Type;
        using var partitionProgress = new PartitionProgress(progress, partitions);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var lanes = partitions.Select((partition, number) => RunPartitionAsync(
            new Lane(number, KeyRange.Of(partition, keyType), partition.Progress, WholeFileAllowed: false, Counted: null), stop.Token)).ToList();
        await PipelineTasks.WhenAllAsync(lanes, stop);
        return partitionProgress.Current;

        async Task RunPartitionAsync(Lane lane, CancellationToken token)
        {
            // The first partition reads on the connection that counted the rows; each other on one of its own.
            await using var own = lane.Number == 0 ? null : await sources.OpenAsync(request.Report, token);
            await RunLaneAsync(request, lane, own ?? connection, file, lane.Number == 0 ? firstPartitionHash : null,
                (rows, t) => partitionProgress.ReportRowsAsync(lane.Number, rows, t),
                (checkpoint, t) => partitionProgress.CheckpointAsync(lane.Number, checkpoint, t), token);
        }
    }

    /// <summary>Reads one lane's rows (the whole report, or one partition) into blocks and stages them, one pipeline of <see cref="GenerationOptions.BlocksInFlight"/> blocks.</summary>
    private async Task<UploadResult> RunLaneAsync(
        GenerationRequest request, Lane lane, DbConnection connection, FileWrite file, IncrementalHash? sha,
        Func<long, CancellationToken, Task> reportRows, Func<GenerationCheckpoint, CancellationToken, Task> checkpoint, CancellationToken cancellationToken)
    {
        var blocks = Channel.CreateBounded<StagedBlock>(new BoundedChannelOptions(options.Value.BlocksInFlight)
        {
            SingleReader = true,
            SingleWriter = true,
        });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var produce = ProduceAsync(request, lane, connection, reportRows, blocks.Writer, stop.Token);
        var upload = UploadAsync(request, lane.Start, blocks.Reader, sha, file, checkpoint, stop.Token);
        try
        {
            await PipelineTasks.WhenAllAsync([produce, upload], stop);
            return await upload;
        }
        finally
        {
            while (blocks.Reader.TryRead(out var unused))
            {
                unused.Content.Dispose();
            }
        }
    }

    private async Task ProduceAsync(
        GenerationRequest request, Lane lane, DbConnection connection, Func<long, CancellationToken, Task> reportRows, ChannelWriter<StagedBlock> output,
        CancellationToken cancellationToken)
    {
        try
        {
            var report = request.Report;
            var reader = Reader(request, lane.Range, extraReader: lane.Number > 0);
            var cursor = new KeysetCursor(report);
            var start = lane.Start;
            if (start.Cursor is { } saved)
            {
                cursor.Restore(saved);
            }

            var gzip = IsGzip(request);
            using var writer = CreateWriter(request, options.Value.BlockSizeBytes);
            var scratch = new byte[1024];
            var rows = start.Rows;
            var bytes = start.Bytes;
            long formatted = 0; // bytes formatted by this lane before compression: what its pages hold in memory
            var staged = start;
            var firstBlock = PartitionCheckpoint.FirstBlock(lane.Number);
            if (staged.Blocks == 0 && lane.Number == 0)
            {
                writer.WriteHeader(report.Columns);
            }

            StagedBlock Cut(bool last)
            {
                if (staged.Blocks >= PartitionCheckpoint.MaxBlocks && !lane.WholeFileAllowed)
                {
                    throw new InvalidOperationException($"A partition of this file would need more than {PartitionCheckpoint.MaxBlocks:N0} blocks: raise {GenerationOptions.SectionName}:BlockSizeBytes.");
                }

                formatted += writer.Length;
                // Compressed block by block: each is a complete gzip member, and members concatenate into one valid
                // .gz file, so staging, checkpoints and resuming work exactly as for a plain file.
                var block = gzip ? GzipBlocks.Compress(writer.TakeBlock(), buffers) : writer.TakeBlock();
                bytes += block.Length;
                var checkpoint = staged.Next(cursor.HasValue ? cursor.Serialize() : null, rows, bytes, request.Attempt);
                var cut = new StagedBlock(
                    new FileBlock(request.Attempt, firstBlock + staged.Blocks), block, checkpoint, WholeFile: last && staged.Blocks == 0 && lane.WholeFileAllowed);
                staged = checkpoint;
                return cut;
            }

            // The blocks a page fills wait until the page is closed: a page's statement runs until its last row is read,
            // so waiting for slow storage while it is open would hold the source's statement (and its query slot) open too.
            var cutInPage = new List<StagedBlock>();
            int pageRows;
            var pageNumber = 0;
            var pageLimit = PageRows.First(options.Value);
            int pageRowsAsked;
            do
            {
                pageRowsAsked = pageLimit;
                var formattedBefore = formatted + writer.Length;
                using var pageActivity = ReportsActivities.Source.StartActivity(ReportsActivities.Page);
                pageActivity?.SetTag(ReportsActivities.PageTag, ++pageNumber);
                if (lane.Range is not null)
                {
                    pageActivity?.SetTag(ReportsActivities.PartitionTag, lane.Number);
                }

                pageRows = 0;
                try
                {
                    await using var page = await reader.OpenSequentialPageAsync(connection, cursor, pageRowsAsked, cancellationToken);
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
                if (pageRows == pageRowsAsked)
                {
                    // More pages follow; after the last one the completion records the rows.
                    await reportRows(rows, cancellationToken);
                    pageLimit = PageRows.Next(options.Value, formatted + writer.Length - formattedBefore, pageRows);
                }
            }
            while (pageRows == pageRowsAsked);

            if (lane.Counted is { } counted)
            {
                await reader.CheckNoRowLeftOutAsync(connection, counted, rows, cancellationToken);
            }

            // The last, partial block; or the only one, holding just the header (or nothing), for an empty report read
            // whole. A partition with nothing left adds no block (storage refuses an empty one): partition 0 still
            // holds the CSV header.
            if (writer.Length > 0 || (staged.Blocks == 0 && lane.WholeFileAllowed))
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
        GenerationRequest request, GenerationCheckpoint start, ChannelReader<StagedBlock> input, IncrementalHash? sha, FileWrite file,
        Func<GenerationCheckpoint, CancellationToken, Task> checkpoint, CancellationToken cancellationToken)
    {
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
                    await files.UploadAsync(request.BlobName, staged.Content.Memory, file, cancellationToken);
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
                return new UploadResult(staged.Checkpoint, Committed: true);
            }

            await checkpoint(staged.Checkpoint, cancellationToken);
            last = staged.Checkpoint;
        }

        return new UploadResult(last, Committed: false);
    }

    /// <summary>Adds the committed file's bytes from <paramref name="offset"/> on (those not seen while staging) to <paramref name="sha"/>.</summary>
    private async Task HashCommittedAsync(string blobName, IncrementalHash sha, long offset, CancellationToken cancellationToken)
    {
        await using var stream = await files.OpenReadAsync(blobName, cancellationToken);
        stream.Seek(offset, SeekOrigin.Begin);
        var buffer = new byte[1024 * 1024];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            sha.AppendData(buffer, 0, read);
        }
    }

    private static bool IsGzip(GenerationRequest request) =>
        request.Arguments.Get<string>(OutputParameters.Compression) == OutputParameters.Gzip;

    private static string ContentTypeOf(GenerationRequest request) =>
        request.Format == ReportFormats.Ndjson ? NdjsonContentType : CsvContentType;

    /// <param name="extraReader">A partition after the first: it leaves the source's last query slot to other reports.</param>
    private KeysetReader Reader(GenerationRequest request, KeyRange? range, bool extraReader = false) => new(
        request.Report, request.Arguments, options.Value.PageSize, sources.Dialect(request.Report),
        token => sources.QuerySlotAsync(request.Report, extraReader, token), range);

    private RowBlockWriter CreateWriter(GenerationRequest request, int blockSize) => request.Format switch
    {
        ReportFormats.Csv => new CsvBlockWriter(blockSize, buffers),
        ReportFormats.Ndjson => new NdjsonBlockWriter(request.Report.Columns, blockSize, buffers),
        _ => throw new ArgumentException($"Format '{request.Format}' is not written row by row.", nameof(request)),
    };

    /// <param name="Number">The partition's place in the file (0 for a file read whole): its first block's number, and whether it writes the header.</param>
    /// <param name="Start">Where the lane starts: its checkpoint, or nothing staged yet.</param>
    /// <param name="WholeFileAllowed">A file whose only block this lane cuts is written in one call (a file read whole).</param>
    /// <param name="Counted">The rows counted, to check the lane read them all before its last block (see <see cref="KeysetReader.CheckNoRowLeftOutAsync"/>); partitions are checked together after the last of them.</param>
    private sealed record Lane(int Number, KeyRange? Range, GenerationCheckpoint Start, bool WholeFileAllowed, long? Counted);

    /// <param name="WholeFile">The first block is also the last: the file is written in one call.</param>
    private sealed record StagedBlock(FileBlock Block, FormattedBlock Content, GenerationCheckpoint Checkpoint, bool WholeFile);

    /// <param name="Committed">Written whole (one block), so there is no block list to commit.</param>
    private sealed record UploadResult(GenerationCheckpoint Checkpoint, bool Committed);
}
