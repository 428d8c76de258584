using System.Diagnostics;
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
/// statement open (memory: one page's blocks beside those in flight). After each staged block it checkpoints; at the end it commits the block list.
/// A large file is cut into key-range partitions that any worker of the queue may read (<see cref="IPartitionBoard"/>),
/// each staging its own blocks under its own checkpoint; the job's worker commits them in key order. A file that fits in its first
/// block is written in one call instead, with no checkpoint: a retry would write the same bytes again. A checkpoint whose
/// blocks storage no longer holds (it came back empty) is not resumed: the file starts again from its first row.
/// </summary>
public sealed class RowReportGenerator(SourceConnections sources, IReportFiles files, BlockBuffers buffers, IOptions<GenerationOptions> options)
{
    public const string CsvContentType = "text/csv; charset=utf-8";
    public const string NdjsonContentType = "application/x-ndjson";
    public const string GzipContentType = "application/gzip";

    public Task<ReportFile> GenerateAsync(GenerationRequest request, IJobProgress progress, CancellationToken cancellationToken) =>
        GenerateAsync(request, progress, partitions: null, cancellationToken);

    /// <param name="partitions">
    /// Where a large file's partitions are laid out and drawn, by this worker and the others of the queue; without it,
    /// every file is read whole.
    /// </param>
    public async Task<ReportFile> GenerateAsync(
        GenerationRequest request, IJobProgress progress, IPartitionBoard? partitions, CancellationToken cancellationToken)
    {
        var report = request.Report;
        // A partitioned file's progress is its partitions' own: the job's checkpoint only says how it was laid out.
        var saved = request.Checkpoint.Partitions is null ? request.Checkpoint
            : partitions is null ? GenerationCheckpoint.Start
            : GenerationCheckpoint.OfPartitions([.. (await partitions.ReadAsync(cancellationToken)).Select(p => p.Partition)]);
        var resumed = saved.Blocks > 0 && await files.HasBlocksAsync(request.BlobName, saved.FileBlocks(), cancellationToken);
        var start = resumed ? saved : GenerationCheckpoint.Start;
        var file = IsGzip(request)
            ? new FileWrite(request.Attempt, GzipContentType, request.DownloadName + ".gz")
            : new FileWrite(request.Attempt, ContentTypeOf(request), request.DownloadName);

        await using var connection = await sources.OpenAsync(report, cancellationToken);
        var reader = Reader(request, range: null);
        var (total, layout) = start.Partitions is null && start.Blocks == 0 && partitions is not null && MayPartition(request, reader)
            ? await CountAndPlanAsync(reader, connection, cancellationToken)
            : (await reader.CountAsync(connection, cancellationToken), start.Partitions);
        await progress.ReportTotalAsync(total, cancellationToken);
        GenerationLimits.CheckRows(report, total);

        if (layout is null && partitions is not null && request.Checkpoint.Partitions is not null)
        {
            // An earlier attempt laid partitions out, and this one reads the file whole: none of them may be drawn now.
            await partitions.PlanAsync([], cancellationToken);
        }

        // The file's SHA-256 is taken from its bytes as they are staged, in file order: of the whole file when it is read
        // whole from its first row; when partitioned, of the partitions this worker draws, from local copies (PartitionHash).
        // Whatever was not hashed so far (blocks staged by other workers or by earlier attempts) is read back after the commit.
        using var partitionHash = layout is null || partitions is null ? null : new PartitionHash();
        using var wholeFileHash = partitionHash is null ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
        GenerationCheckpoint last;
        long hashed;
        if (layout is null || partitions is null)
        {
            var lane = new Lane(0, null, start, request.Attempt, WholeFileAllowed: true, Counted: total, ExtraReader: false);
            var result = await RunLaneAsync(request, lane, connection, file, resumed ? null : wholeFileHash, copy: null,
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
            if (start.Partitions is null)
            {
                await partitions.PlanAsync(layout, cancellationToken);
                await progress.CheckpointAsync(GenerationCheckpoint.OfPartitions(layout), cancellationToken);
            }

            // The job's worker reads its partitions on connections of their own, as helpers do, so no connection of the
            // source sits idle in a transaction while it waits for theirs.
            await connection.DisposeAsync();
            last = await DrawPartitionsAsync(request, partitions, layout.Count, partitionHash!, cancellationToken);
            await using (var check = await sources.OpenAsync(report, cancellationToken))
            {
                await reader.CheckNoRowLeftOutAsync(check, total, last.Rows, cancellationToken);
            }

            await files.CommitAsync(request.BlobName, last.FileBlocks(), file, cancellationToken);
            hashed = partitionHash!.ReadBackFrom(layout.Count) ?? last.Bytes;
        }

        var sha = wholeFileHash ?? partitionHash!.Hash;
        if (hashed < last.Bytes)
        {
            await files.HashAsync(request.BlobName, sha, hashed, cancellationToken);
        }

        return new ReportFile(request.BlobName, file.DownloadName, file.ContentType, last.Bytes, Convert.ToHexStringLower(sha.GetHashAndReset()), last.Rows);
    }

    /// <summary>
    /// Reads one partition of another worker's job, claimed by this one (a worker asked to help): on a connection of
    /// its own, and never taking the source's last query slot, so partitions cannot starve the source's other reports.
    /// A partition not read whole here is given back (nothing happens when another claim holds it already).
    /// </summary>
    public Task ReadClaimedPartitionAsync(GenerationRequest request, IClaimedPartition claimed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(claimed);
        return ReadPartitionAsync(request, claimed, hash: null, extraReader: true, cancellationToken);
    }

    /// <summary>Time a partition's page waited for storage past which its statement timeout is storage's doing, not the query's.</summary>
    private static readonly TimeSpan StorageStall = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Whether a report may be cut into key-range partitions for any worker of the queue to read (each page still under
    /// the source's query cap): not when it is gzip-compressed (whose blocks are gzip members: cut elsewhere, the file's
    /// bytes would differ from one read whole), its source cannot tell where to cut, or runs one query at a time
    /// (partitions drawn by helpers leave a source's last slot to other reports).
    /// </summary>
    private bool MayPartition(GenerationRequest request, KeysetReader reader) =>
        options.Value.ReadersPerReport >= 2 && !IsGzip(request) && sources.MaxConcurrentQueries(request.Report) >= 2 && reader.CanCut;

    /// <summary>
    /// The share of rows whose first key the cut sorts: 2% of the fewest rows cut (twice PartitionMinRows) is thousands
    /// of keys, enough for partitions within a few per cent of equal, at a fiftieth of a sort of every key.
    /// </summary>
    private const double CutSample = 0.02;

    /// <summary>
    /// Counts the rows and, in the same pass, cuts them into key-range partitions of about equal rows: as many as the
    /// count allows (one per <see cref="GenerationOptions.PartitionMinRows"/>, up to <see cref="GenerationOptions.ReadersPerReport"/>);
    /// none when that is fewer than two. The first key's percentiles are taken for every number of partitions it may be.
    /// </summary>
    private async Task<(long Total, IReadOnlyList<PartitionCheckpoint>? Layout)> CountAndPlanAsync(
        KeysetReader reader, DbConnection connection, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var most = Math.Min(settings.ReadersPerReport, PartitionCheckpoint.MaxPartitions);
        var cuts = Enumerable.Range(2, most - 1).SelectMany(parts => Enumerable.Range(1, parts - 1).Select(i => (Parts: parts, Index: i))).ToList();
        var (total, keys) = await reader.CountAndCutAsync(connection, [.. cuts.Select(c => (double)c.Index / c.Parts)], CutSample, cancellationToken);
        var chosen = (int)Math.Min(most, total / settings.PartitionMinRows);
        if (chosen < 2)
        {
            return (total, null);
        }

        var bounds = cuts.Select((c, i) => (c.Parts, Key: keys[i])).Where(c => c.Parts == chosen && c.Key is not null)
            .Select(c => c.Key!).Distinct().Select(KeysetCursor.ToText).ToList();
        return bounds.Count == 0
            ? (total, null)
            : (total, [.. Enumerable.Range(0, bounds.Count + 1).Select(i => new PartitionCheckpoint(
                i == 0 ? null : bounds[i - 1], i == bounds.Count ? null : bounds[i], GenerationCheckpoint.Start))]);
    }

    /// <summary>
    /// The job's worker draws partitions with the others of the queue (<see cref="PartitionDraws"/>), several at a time
    /// (<see cref="GenerationOptions.LanesPerJob"/>; lanes past the first never take the source's last query slot), and
    /// hashes those it draws from their start (<paramref name="hash"/>). Returns the file's checkpoint.
    /// </summary>
    private async Task<GenerationCheckpoint> DrawPartitionsAsync(
        GenerationRequest request, IPartitionBoard board, int count, PartitionHash hash, CancellationToken cancellationToken)
    {
        var partitions = await PartitionDraws.DrawAllAsync(
            board,
            PartitionDraws.Lanes(options.Value.LanesPerJob, sources.MaxConcurrentQueries(request.Report), count),
            (claimed, lane, token) => ReadPartitionAsync(request, claimed, hash, extraReader: lane > 0, token),
            cancellationToken);
        return GenerationCheckpoint.OfPartitions([.. partitions.Select(p => p.Partition)]);
    }

    /// <summary>
    /// Reads one claimed partition into its blocks, on a connection of its own and under its claim, and records it done.
    /// On any failure the partition is given back at once, for the next claim to resume from its checkpoint. With
    /// <paramref name="hash"/>, a partition read from its start goes to the hash as its blocks are staged: live when it is
    /// next in file order, else through a temporary copy (<see cref="PartitionCopy"/>); it counts once recorded done.
    /// </summary>
    private async Task ReadPartitionAsync(
        GenerationRequest request, IClaimedPartition claimed, PartitionHash? hash, bool extraReader, CancellationToken cancellationToken)
    {
        var claim = claimed.Claim;
        var keyType = request.Report.Columns[request.Report.Keyset.KeyColumns[0]].Type;
        var lane = new Lane(claim.Number, KeyRange.Of(claim.Partition, keyType), claim.Partition.Progress, claim.BlockToken,
            WholeFileAllowed: false, Counted: null, extraReader);
        await using var copy = PartitionCopy.Start(hash, claim);
        try
        {
            using var held = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, claimed.Lost);
            await using var connection = await sources.OpenAsync(request.Report, held.Token);
            var result = await RunLaneAsync(request, lane, connection, file: null, sha: null, copy, claimed.ReportRowsAsync, claimed.CheckpointAsync, held.Token);
            await claimed.FinishAsync(result.Checkpoint, held.Token);
        }
        catch
        {
            await PartitionDraws.GiveBackAsync(claimed);
            throw;
        }

        copy?.Done();
    }

    /// <summary>Reads one lane's rows (the whole report, or one partition) into blocks and stages them, one pipeline of <see cref="GenerationOptions.BlocksInFlight"/> blocks.</summary>
    private async Task<UploadResult> RunLaneAsync(
        GenerationRequest request, Lane lane, DbConnection connection, FileWrite? file, IncrementalHash? sha, PartitionCopy? copy,
        Func<long, CancellationToken, Task> reportRows, Func<GenerationCheckpoint, CancellationToken, Task> checkpoint, CancellationToken cancellationToken)
    {
        var blocks = Channel.CreateBounded<StagedBlock>(new BoundedChannelOptions(options.Value.BlocksInFlight)
        {
            SingleReader = true,
            SingleWriter = true,
        });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var produce = ProduceAsync(request, lane, connection, reportRows, blocks.Writer, stop.Token);
        var upload = UploadAsync(request, lane.Start, blocks.Reader, sha, copy, file, checkpoint, stop.Token);
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
            var reader = Reader(request, lane.Range, lane.ExtraReader);
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
                var checkpoint = staged.Next(cursor.HasValue ? cursor.Serialize() : null, rows, bytes, lane.Token);
                var cut = new StagedBlock(
                    new FileBlock(lane.Token, firstBlock + staged.Blocks), block, checkpoint, WholeFile: last && staged.Blocks == 0 && lane.WholeFileAllowed);
                staged = checkpoint;
                return cut;
            }

            // A file read whole: the blocks a page fills wait until the page is closed, since a page's statement runs
            // until its last row is read, and waiting for slow storage while it is open would hold the source's
            // statement (and its query slot) open too. A partition is read in pages of PartitionPageSize rows (one
            // statement for most partitions, one join of its pages' rows, as COPY does) whose blocks go to storage as
            // they are cut: its memory is the blocks in flight, and slow storage holds its statement open.
            var streamed = lane.Range is not null;
            var cutInPage = new List<StagedBlock>();
            int pageRows;
            var pageNumber = 0;
            var pageLimit = streamed ? options.Value.PartitionPageSize : PageRows.First(options.Value);
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
                var waitedOnStorage = TimeSpan.Zero;
                try
                {
                    await using var page = await reader.OpenSequentialPageAsync(connection, cursor, pageRowsAsked, cancellationToken);
                    while (await page.ReadAsync(cancellationToken))
                    {
                        RowCopier.Copy(writer, report.Columns, page.Row, cursor, ref scratch);
                        rows++;
                        pageRows++;
                        if (writer.IsBlockFull && streamed)
                        {
                            var sending = Stopwatch.GetTimestamp();
                            await SendAsync([Cut(last: false)], output, cancellationToken);
                            waitedOnStorage += Stopwatch.GetElapsedTime(sending);
                        }
                        else if (writer.IsBlockFull)
                        {
                            cutInPage.Add(Cut(last: false));
                        }
                    }
                }
                catch (Exception e) when (waitedOnStorage >= StorageStall && sources.Dialect(report).IsStatementTimeout(e))
                {
                    // Slow storage, not the query, kept this partition's statement open past the source's timeout: a
                    // failure its next attempt resumes from (the last block), not the report's definition's.
                    Discard(cutInPage, from: 0);
                    throw new TimeoutException(
                        $"A page of partition {lane.Number} outlived the source's statement timeout while it waited {waitedOnStorage.TotalSeconds:0} s for storage to take its blocks.");
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
                    pageLimit = streamed ? pageLimit : PageRows.Next(options.Value, formatted + writer.Length - formattedBefore, pageRows);
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
        GenerationRequest request, GenerationCheckpoint start, ChannelReader<StagedBlock> input, IncrementalHash? sha, PartitionCopy? copy, FileWrite? file,
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
                    await files.UploadAsync(request.BlobName, staged.Content.Memory, file!, cancellationToken);
                }
                else
                {
                    // Not cancelled halfway: a request abandoned by the client may still land after a cancelled job's
                    // blob was deleted, leaving a block behind. The pipeline stops before the next block instead.
                    await files.StageBlockAsync(request.BlobName, staged.Block, staged.Content.Memory, CancellationToken.None);
                }

                sha?.AppendData(staged.Content.Memory.Span);
                if (copy is not null)
                {
                    await copy.WriteAsync(staged.Content.Memory, cancellationToken);
                }
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

    private static bool IsGzip(GenerationRequest request) =>
        request.Arguments.Get<string>(OutputParameters.Compression) == OutputParameters.Gzip;

    private static string ContentTypeOf(GenerationRequest request) =>
        request.Format == ReportFormats.Ndjson ? NdjsonContentType : CsvContentType;

    /// <param name="extraReader">A partition read by a worker asked to help: it leaves the source's last query slot to other reports.</param>
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
    /// <param name="Token">What its blocks are staged under: the job's attempt for a file read whole, the claim's for a partition.</param>
    /// <param name="WholeFileAllowed">A file whose only block this lane cuts is written in one call (a file read whole).</param>
    /// <param name="Counted">The rows counted, to check the lane read them all before its last block (see <see cref="KeysetReader.CheckNoRowLeftOutAsync"/>); partitions are checked together after the last of them.</param>
    /// <param name="ExtraReader">Read by a worker asked to help: never takes the source's last query slot.</param>
    private sealed record Lane(int Number, KeyRange? Range, GenerationCheckpoint Start, int Token, bool WholeFileAllowed, long? Counted, bool ExtraReader);

    /// <param name="WholeFile">The first block is also the last: the file is written in one call.</param>
    private sealed record StagedBlock(FileBlock Block, FormattedBlock Content, GenerationCheckpoint Checkpoint, bool WholeFile);

    /// <param name="Committed">Written whole (one block), so there is no block list to commit.</param>
    private sealed record UploadResult(GenerationCheckpoint Checkpoint, bool Committed);
}
