using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Reports.Core.Catalog;
using Reports.Core.Generation;
using Reports.Core.Generation.Partitions;
using Reports.Core.Generation.Pdf;
using Reports.Core.Jobs;
using Reports.Core.Sources;
using Reports.Tests.Catalog;
using Reports.Tests.Engine;
using Reports.Tests.ReportTypes;

namespace Reports.Tests.Generation;

/// <summary>
/// A long PDF is cut into segments of whole pages that the job's worker and any worker asked to help draw apart, each
/// numbering its objects in a range of its own; the job's worker writes the page tree and cross-references after the
/// last. The file is byte for byte the one a single worker draws, and a valid PDF with every page in order.
/// </summary>
public sealed partial class PartitionedGenerationTests
{
    private const int PagesPerSegment = 10;
    private const int PagesPerPart = 4;
    private const string PdfMonths = """{"from":"2024-05-01","to":"2024-06-30"}""";

    [Fact]
    public async Task A_pdf_drawn_in_segments_by_two_workers_is_byte_identical_to_the_one_drawn_by_one()
    {
        var (request, generator, job, alone) = await DrawnAloneAsync(Request(BuiltInReports.Orders, "pdf", PdfMonths));

        var run = await GenerateAsync(Again(request), PdfDrawer(await PdfGeneratorAsync(SlowStaging(await FilesAsync()))), helpers: 1, job, CancellationToken.None);

        Assert.True(run.Partitions.Count >= 3, $"{run.Partitions.Count} segments");
        Assert.Equal((alone.Rows, alone.SizeBytes, alone.Sha256), (run.File.Rows, run.File.SizeBytes, run.File.Sha256));
        Assert.Equal(alone.Sha256, await HashAsync(run.File.BlobName));
        Assert.Contains(run.Partitions, p => p.FinishedBy == OwnerWorker);
        Assert.Contains(run.Partitions, p => p.FinishedBy == HelperWorker);
        Assert.Equal(run.RowsShown.Order(), run.RowsShown);
        Assert.Equal(alone.Rows, run.RowsShown[^1]);

        // Valid as poppler and qpdf read it: every page in order with its header and number, the totals on the last.
        var pdf = await PdfText.ReadAsync(await BytesAsync(run.File.BlobName));
        Assert.True(pdf.PageCount > PagesPerSegment * 2, $"{pdf.PageCount} pages");
        pdf.AssertEveryPageHasHeaderAndNumber(BuiltInReports.Orders.Columns.Select(c => c.Title));
        Assert.Contains(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{alone.Rows:#,##0} rows"), pdf.Pages[^1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("daily-sales", """{"from":"2021-01-01","to":"2025-12-31"}""")]
    [InlineData("daily-sales-mariadb", """{"from":"2021-01-01","to":"2025-12-31"}""")]
    [InlineData("orders-mariadb", PdfMonths)]
    public async Task A_pdf_with_a_chart_keys_of_a_day_and_text_or_from_mariadb_is_the_same_drawn_in_segments(string reportType, string parameters)
    {
        var report = (await infrastructure.SystemAsync()).WorkerServices.GetRequiredService<ReportCatalog>().Find(reportType)!;
        var (request, generator, job, alone) = await DrawnAloneAsync(Request(report, "pdf", parameters));

        var run = await GenerateAsync(Again(request), PdfDrawer(await PdfGeneratorAsync(SlowStaging(await FilesAsync()))), helpers: 1, job, CancellationToken.None);

        Assert.True(run.Partitions.Count >= 2, $"{run.Partitions.Count} segments");
        Assert.Equal((alone.Rows, alone.SizeBytes, alone.Sha256), (run.File.Rows, run.File.SizeBytes, run.File.Sha256));
        var pdf = await PdfText.ReadAsync(await BytesAsync(run.File.BlobName));
        pdf.AssertEveryPageHasHeaderAndNumber(report.Columns.Select(c => c.Title));
    }

    [Fact]
    public async Task A_pdf_whose_segments_the_jobs_worker_draws_alone_in_order_is_hashed_as_staged_and_is_the_same_file()
    {
        var (request, generator, job, alone) = await DrawnAloneAsync(Request(BuiltInReports.Orders, "pdf", PdfMonths));

        var run = await GenerateAsync(Again(request), PdfDrawer(generator), helpers: 0, job, CancellationToken.None);

        Assert.All(run.Partitions, p => Assert.Equal(OwnerWorker, p.FinishedBy));
        Assert.Equal(alone.Sha256, run.File.Sha256);
        Assert.Equal(alone.Sha256, await HashAsync(run.File.BlobName));
    }

    [Fact]
    public async Task A_pdf_whose_jobs_worker_draws_two_segments_at_a_time_is_the_same_file_hashed_without_reading_it_back()
    {
        var (request, generator, job, alone) = await DrawnAloneAsync(Request(BuiltInReports.Orders, "pdf", PdfMonths));
        var (files, overlapped) = WaitingForASecondLane(await FilesAsync());

        var run = await GenerateAsync(Again(request), PdfDrawer(await PdfGeneratorAsync(files, lanesPerJob: 2)), helpers: 0, job, CancellationToken.None);

        Assert.True(overlapped(), "a second segment was drawn while the first was");
        Assert.True(run.Partitions.Count >= 3, $"{run.Partitions.Count} segments");
        Assert.All(run.Partitions, p => Assert.Equal(OwnerWorker, p.FinishedBy));
        Assert.Equal((alone.Rows, alone.SizeBytes, alone.Sha256), (run.File.Rows, run.File.SizeBytes, run.File.Sha256));
        // Segments finished out of order waited on disk for those before them: nothing was read back from storage.
        Assert.Equal(0, files.Reads);
        Assert.Equal(alone.Sha256, await HashAsync(run.File.BlobName));
        Assert.Equal(run.RowsShown.Order(), run.RowsShown);
    }

    [Fact]
    public async Task A_pdf_whose_jobs_worker_draws_a_segment_out_of_order_before_the_one_in_order_is_hashed_right()
    {
        var (request, generator, job, alone) = await DrawnAloneAsync(Request(BuiltInReports.Orders, "pdf", PdfMonths));
        job.Request = Again(request) with { JobId = job.Claim.Id };
        var slow = await PdfGeneratorAsync(SlowStaging(await FilesAsync()));

        // Another worker holds segment 1 while the job's worker draws 0, then 2 onwards; then gives it back, and the job's
        // worker draws it last, in file order again.
        var run = slow.GenerateAsync(job.Request, job.Progress, await BoardAsync(job.Claim.Id, OwnerWorker, job.Claim), CancellationToken.None);
        await FaultSystem.EventuallyAsync(async () => (await PartitionsAsync(job.Claim.Id)) is [{ LeaseOwner: OwnerWorker }, ..], "segment 0 drawn by the job's worker");
        await using (var held = await (await BoardAsync(job.Claim.Id, HelperWorker, owner: null)).ClaimAsync(takeStalled: false, CancellationToken.None))
        {
            Assert.Equal(1, held?.Claim.Number);
            await FaultSystem.EventuallyAsync(async () => (await PartitionsAsync(job.Claim.Id)).Count(p => !p.Done) == 1, "every other segment drawn",
                TimeSpan.FromMinutes(2));
            await held!.ReleaseAsync(CancellationToken.None);
        }

        var file = await run;

        var segments = await PartitionsAsync(job.Claim.Id);
        Assert.True(segments.Count >= 3, $"{segments.Count} segments");
        Assert.All(segments, p => Assert.Equal(OwnerWorker, p.FinishedBy));
        Assert.Equal(alone.Sha256, await HashAsync(file.BlobName));
        Assert.Equal(alone.Sha256, file.Sha256);
    }

    [Fact]
    public async Task A_pdf_stopped_midway_keeps_its_drawn_segments_and_the_next_attempt_draws_the_rest()
    {
        var (request, generator, job, alone) = await DrawnAloneAsync(Request(BuiltInReports.Orders, "pdf", PdfMonths));

        await StopMidwayAsync(request, job, drawn: 2);
        var saved = await PartitionsAsync(job.Claim.Id);
        Assert.Contains(saved, p => !p.Done);

        var next = await ClaimJobAsync(job.Claim.Id);
        var resumed = await GenerateAsync(job.Request with { Attempt = 2, Checkpoint = job.Progress.Checkpoints[0] }, PdfDrawer(generator), 0, next,
            CancellationToken.None);

        Assert.Equal(alone.Sha256, resumed.File.Sha256);
        Assert.Equal(alone.Sha256, await HashAsync(resumed.File.BlobName));
        // The same cut, and the segments drawn before kept as they were.
        Assert.Equal(saved.Select(p => p.Partition.From), resumed.Partitions.Select(p => p.Partition.From));
        Assert.All(saved.Zip(resumed.Partitions).Where(pair => pair.First.Done), pair => Assert.Equal(Drawn(pair.First), Drawn(pair.Second)));
    }

    [Fact]
    public async Task A_layout_that_is_not_the_one_the_plan_was_recorded_with_is_laid_out_again_and_the_file_is_the_same()
    {
        var (request, generator, job, alone) = await DrawnAloneAsync(Request(BuiltInReports.Orders, "pdf", PdfMonths));
        await StopMidwayAsync(request, job, drawn: 1);
        var recorded = job.Progress.Checkpoints[0];

        // The next attempt lays the file out again over rows that changed meanwhile (each segment starts a row later),
        // and stops before it records its plan: the job's checkpoint still holds the first plan.
        var second = await ClaimJobAsync(job.Claim.Id);
        var services = (await infrastructure.SystemAsync()).WorkerServices;
        var sources = services.GetRequiredService<SourceConnections>();
        var shifted = new List<string>();
        await using (var connection = await sources.OpenAsync(request.Report, CancellationToken.None))
        {
            var reader = new KeysetReader(request.Report, request.Arguments, PageSize, sources.Dialect(request.Report));
            foreach (var start in recorded.Partitions!.Skip(1))
            {
                var cursor = new KeysetCursor(request.Report);
                cursor.Restore(start.From!);
                await using var next = await reader.OpenPageAsync(connection, cursor, 1, CancellationToken.None);
                Assert.True(await next.ReadAsync(CancellationToken.None));
                shifted.Add(cursor.Serialize());
            }
        }

        var relaid = recorded.Partitions!.Select((_, i) => new PartitionCheckpoint(
            i == 0 ? null : shifted[i - 1], i == shifted.Count ? null : shifted[i], GenerationCheckpoint.Start)).ToList();
        Assert.True(await job.Partitions.PlanAsync(second.Claim, relaid, CancellationToken.None));
        Assert.True(await job.Jobs.ReleaseAsync(second.Claim, CancellationToken.None));

        var third = await ClaimJobAsync(job.Claim.Id);
        var resumed = await GenerateAsync(job.Request with { Attempt = third.Claim.Attempt, Checkpoint = recorded }, PdfDrawer(generator), 0, third,
            CancellationToken.None);

        Assert.Equal(alone.Sha256, resumed.File.Sha256);
        Assert.Equal(alone.Sha256, await HashAsync(resumed.File.BlobName));
        Assert.Equal(recorded.Partitions!.Select(p => p.From), resumed.Partitions.Select(p => p.Partition.From));
    }

    [Fact]
    public async Task Cancelling_a_pdf_drawn_in_segments_stops_every_segment_and_commits_nothing()
    {
        var job = await ClaimJobAsync();
        using var cancel = new CancellationTokenSource();
        var run = GenerateAsync(Request(BuiltInReports.Orders, "pdf", PdfMonths), PdfDrawer(await PdfGeneratorAsync(SlowStaging(await FilesAsync()))),
            helpers: 1, job, cancel.Token);
        await FaultSystem.EventuallyAsync(async () => (await PartitionsAsync(job.Claim.Id)).Any(p => p.Done), "a segment drawn", TimeSpan.FromMinutes(2));

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        var stopped = await PartitionsAsync(job.Claim.Id);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(stopped.Select(p => p.Done), (await PartitionsAsync(job.Claim.Id)).Select(p => p.Done));
        Assert.Contains(stopped, p => !p.Done);
        Assert.Null(await FileOrNullAsync(job.Request.BlobName));
    }

    [Fact]
    public async Task A_pdf_of_one_segment_is_drawn_alone_and_lays_nothing_out()
    {
        var run = await GenerateAsync(GenerationRequests.For(BuiltInReports.Orders, "pdf") with { Arguments = Request(BuiltInReports.Orders, "pdf", """{"from":"2024-06-01","to":"2024-06-02"}""").Arguments },
            PdfDrawer(await PdfGeneratorAsync(pagesPerSegment: 1_000)), helpers: 1, job: null, CancellationToken.None);

        Assert.Empty(run.Partitions);
        Assert.Empty(run.Progress.Checkpoints);
        var pdf = await PdfText.ReadAsync(await BytesAsync(run.File.BlobName));
        pdf.AssertEveryPageHasHeaderAndNumber(BuiltInReports.Orders.Columns.Select(c => c.Title));
    }

    [Fact]
    public async Task A_row_that_comes_inside_a_segment_after_the_layout_fails_the_attempt_instead_of_leaving_a_row_out()
    {
        // The report leaves out the orders listed in a table of this test's own: one in the middle, until it is let in.
        var hidden = $"public.pdf_hidden_{Guid.NewGuid():N}";
        var files = await FilesAsync(); // the system first: it seeds the orders
        await using var database = Npgsql.NpgsqlDataSource.Create(infrastructure.PostgresConnectionString);
        await using (var create = database.CreateCommand($"""
            CREATE TABLE {hidden} (id bigint PRIMARY KEY);
            INSERT INTO {hidden} SELECT id FROM sales.orders WHERE ordered_at >= '2024-01-01' AND ordered_at < '2024-07-01'
            ORDER BY ordered_at, id OFFSET (SELECT count(*) / 2 FROM sales.orders WHERE ordered_at >= '2024-01-01' AND ordered_at < '2024-07-01') LIMIT 1
            """))
        {
            await create.ExecuteNonQueryAsync();
        }

        try
        {
            using var folder = TempCatalog.Create(("hideable.yaml", TempCatalog.Tiny
                .Replace("name: tiny", "name: hideable", StringComparison.Ordinal)
                .Replace("WHERE o.ordered_at >= @from",
                    $"WHERE o.ordered_at >= @from AND o.ordered_at < @from + interval '182 days' AND o.id NOT IN (SELECT id FROM {hidden})",
                    StringComparison.Ordinal)));
            var report = Reports.Core.Catalog.Files.CatalogFiles.Load(folder.Path).Find("hideable")!;
            var letIn = 0;
            var letInOnce = new StagingFirst(files, async (_, _) =>
            {
                // Once the file is laid out (its first block is staged): the hidden order comes back, as a row inserted would.
                if (Interlocked.Exchange(ref letIn, 1) == 0)
                {
                    await using var delete = database.CreateCommand($"DELETE FROM {hidden}");
                    await delete.ExecuteNonQueryAsync();
                }
            });
            var job = await ClaimJobAsync();
            var generator = await PdfGeneratorAsync(letInOnce);
            var board = await BoardAsync(job.Claim.Id, OwnerWorker, job.Claim);
            job.Request = Request(report, "pdf", """{"from":"2024-01-01"}""") with { JobId = job.Claim.Id };

            await Assert.ThrowsAsync<PdfLayoutException>(() => generator.GenerateAsync(job.Request, job.Progress, board, CancellationToken.None));

            Assert.True(job.Progress.LastCheckpoint?.Partitions?.Count >= 3, "laid out in three segments or more");
            Assert.Equal(1, letIn);
            // The layout is gone: the next attempt lays the file out again, over the rows as they are then.
            Assert.Empty(await PartitionsAsync(job.Claim.Id));
        }
        finally
        {
            await using var drop = database.CreateCommand($"DROP TABLE {hidden}");
            await drop.ExecuteNonQueryAsync();
        }
    }

    private static (int Blocks, long Bytes, string Runs, string? Objects) Drawn(PartitionState segment)
    {
        var progress = segment.Partition.Progress;
        return (progress.Blocks, progress.Bytes, string.Join(",", progress.BlockRuns()), progress.Objects);
    }

    /// <summary>A new job claimed, and its PDF drawn by one worker alone: the reference its runs in segments must equal.</summary>
    private async Task<(GenerationRequest Request, PdfReportGenerator Generator, PartitionedJob Job, ReportFile Alone)> DrawnAloneAsync(GenerationRequest request)
    {
        var generator = await PdfGeneratorAsync();
        var job = await ClaimJobAsync();
        var alone = await generator.GenerateAsync(request with { JobId = job.Claim.Id }, new RecordingProgress(), CancellationToken.None);
        return (request, generator, job, alone);
    }

    /// <summary>Runs the job in segments with a helper on slow storage, stops it (as a worker shutting down) once <paramref name="drawn"/> segments are done, and releases the job.</summary>
    private async Task StopMidwayAsync(GenerationRequest request, PartitionedJob job, int drawn)
    {
        using var stop = new CancellationTokenSource();
        var first = GenerateAsync(Again(request), PdfDrawer(await PdfGeneratorAsync(SlowStaging(await FilesAsync()))), helpers: 1, job, stop.Token);
        await FaultSystem.EventuallyAsync(async () => (await PartitionsAsync(job.Claim.Id)).Count(p => p.Done) >= drawn,
            $"{drawn} segments drawn", TimeSpan.FromMinutes(2));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        Assert.True(await job.Jobs.ReleaseAsync(job.Claim, CancellationToken.None));
    }

    private static Drawer PdfDrawer(PdfReportGenerator generator) => new(generator.GenerateAsync, generator.DrawClaimedSegmentAsync);

    /// <summary>Segments of ten pages in parts of four (one at a time on the job's worker unless <paramref name="lanesPerJob"/> says more) (parts never cross a segment), at a fixed time, so two runs of one job draw the same file.</summary>
    private async Task<PdfReportGenerator> PdfGeneratorAsync(IReportFiles? files = null, int pagesPerSegment = PagesPerSegment, int lanesPerJob = 1)
    {
        var services = (await infrastructure.SystemAsync()).WorkerServices;
        return new PdfReportGenerator(
            services.GetRequiredService<SourceConnections>(),
            files ?? services.GetRequiredService<IReportFiles>(),
            new BlockBuffers(BlockSize),
            services.GetRequiredService<PdfFont>(),
            Options.Create(new GenerationOptions { PageSize = PageSize, BlockSizeBytes = BlockSize, LanesPerJob = lanesPerJob }),
            Options.Create(new PdfOptions { PagesPerSegment = pagesPerSegment, PagesPerPart = PagesPerPart }),
            new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 4, 30, 0, TimeSpan.Zero)));
    }

    private async Task<byte[]> BytesAsync(string blobName)
    {
        var files = (await infrastructure.SystemAsync()).WorkerServices.GetRequiredService<IReportFiles>();
        await using var stream = await files.OpenReadAsync(blobName, CancellationToken.None);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }
}
