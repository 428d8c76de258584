using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Reports.Core.Catalog;
using Reports.Core.Catalog.Files;
using Reports.Core.Generation;
using Reports.Core.Generation.Partitions;
using Reports.Core.Jobs;
using Reports.Core.Queue;
using Reports.Core.Sources;
using Reports.Core.Storage;
using Reports.Core.Telemetry;
using Reports.Tests.Catalog;
using Reports.Tests.Engine;
using Reports.Tests.Integration;
using Reports.Worker;
using Reports.Worker.Consuming;

namespace Reports.Tests.Generation;

/// <summary>
/// A large report is cut into key-range partitions, laid out in PostgreSQL, that the job's worker and any worker asked
/// to help draw under leases of their own, each with its own checkpoint; the blocks are committed in key order, so the
/// file is byte for byte the one read whole, whether it ran through, was resumed, or was read by several workers.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed partial class PartitionedGenerationTests(Infrastructure infrastructure)
{
    private const int PageSize = 500;
    private const int BlockSize = 64 * 1024;
    private const int PartitionPageSize = 2_000;

    /// <summary>A queue no worker of the tests serves: help asked for here reaches only the helpers a test runs itself.</summary>
    private const string TestQueue = "test-partitions";

    /// <summary>Keyed on the order id alone: an integer first key, in a report without a page join.</summary>
    private static readonly string ById = TempCatalog.Tiny
        .Replace("name: tiny", "name: by-id", StringComparison.Ordinal)
        .Replace("    - { expression: o.ordered_at, column: ordered_at_utc }\n", "", StringComparison.Ordinal);

    [Theory]
    [InlineData("csv", 4)]
    [InlineData("ndjson", 4)]
    [InlineData("csv", 2)]
    public async Task A_partitioned_orders_file_is_byte_identical_to_the_one_read_whole(string format, int readers)
    {
        var (whole, run) = await PartitionedEqualsWholeAsync(GenerationRequests.For(BuiltInReports.Orders, format), readers);

        // Each partition holds a share of the rows, every one is done, and the shown progress never moved back.
        Assert.All(run.Partitions, p => Assert.True(p.Partition.Progress.Rows > whole.Rows / readers / 2, $"a partition of {p.Partition.Progress.Rows} of {whole.Rows} rows"));
        Assert.All(run.Partitions, p => Assert.True(p.Done));
        Assert.Equal(run.RowsShown.Order(), run.RowsShown);
        Assert.Equal(whole.Rows, run.RowsShown[^1]);
        Assert.Equal(whole.Rows, run.Progress.Total);
    }

    [Fact]
    public async Task Partitions_are_drawn_by_the_jobs_worker_and_a_worker_asked_to_help_and_the_file_is_the_same()
    {
        var request = GenerationRequests.For(BuiltInReports.Orders, "csv");
        var whole = await GenerateAsync(request, readers: 1);

        var run = await GenerateAsync(Again(request), readers: 4, helpers: 1, files: SlowStaging(await FilesAsync()));

        Assert.Equal(whole.File.Sha256, run.File.Sha256);
        Assert.Equal(whole.File.Sha256, await HashAsync(run.File.BlobName));
        // Both read some: the job's worker claims the first partition before it asks for help, and the helper claims
        // the next while the first is read.
        Assert.Contains(run.Partitions, p => p.FinishedBy == OwnerWorker);
        Assert.Contains(run.Partitions, p => p.FinishedBy == HelperWorker);
        // Every claim staged its blocks under an id of its own, above any attempt.
        Assert.All(run.Partitions.SelectMany(p => p.Partition.Progress.BlockRuns()), r => Assert.True(r.Attempt > PartitionClaim.FirstBlockToken));
    }

    [Fact]
    public async Task A_file_whose_jobs_worker_reads_two_partitions_at_a_time_is_the_same_file_hashed_without_reading_it_back()
    {
        var request = GenerationRequests.For(BuiltInReports.Orders, "csv");
        var whole = await GenerateAsync(request, readers: 1);
        var (files, overlapped) = WaitingForASecondLane(await FilesAsync());

        var run = await GenerateAsync(Again(request), RowDrawer(await GeneratorAsync(readers: 3, files: files, lanes: 2)), helpers: 0, job: null, CancellationToken.None);

        Assert.True(overlapped(), "a second partition was read while the first was");
        Assert.Equal(3, run.Partitions.Count);
        Assert.All(run.Partitions, p => Assert.Equal(OwnerWorker, p.FinishedBy));
        Assert.Equal((whole.File.Rows, whole.File.SizeBytes, whole.File.Sha256), (run.File.Rows, run.File.SizeBytes, run.File.Sha256));
        // Partitions finished out of order waited on disk for those before them: nothing was read back from storage.
        Assert.Equal(0, files.Reads);
        Assert.Equal(whole.File.Sha256, await HashAsync(run.File.BlobName));
        Assert.Equal(run.RowsShown.Order(), run.RowsShown);
    }

    [Fact]
    public async Task A_report_keyed_on_an_integer_without_a_page_join_is_partitioned_the_same_way()
    {
        using var folder = TempCatalog.Create(("by-id.yaml", ById));
        Assert.DoesNotContain("o.ordered_at, column", ById, StringComparison.Ordinal);
        var report = CatalogFiles.Load(folder.Path).Find("by-id")!;
        var partitionsOfPages = new System.Collections.Concurrent.ConcurrentBag<int>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ReportsActivities.Source.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = activity =>
            {
                if (activity.OperationName == ReportsActivities.Page && activity.GetTagItem(ReportsActivities.PartitionTag) is int partition)
                {
                    partitionsOfPages.Add(partition);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        await PartitionedEqualsWholeAsync(Request(report, "csv", """{"from":"2024-06-01"}"""), readers: 3);

        // Each page's span names its partition, so a trace shows the partitions' pages side by side.
        Assert.Equal([0, 1, 2], partitionsOfPages.Distinct().Order());
    }

    [Fact]
    public async Task A_report_keyed_on_a_date_is_partitioned_on_its_days()
    {
        var (_, run) = await PartitionedEqualsWholeAsync(Request(BuiltInReports.DailySales, "csv", """{"from":"2021-01-01","to":"2025-12-31"}"""), readers: 4);

        Assert.All(run.Partitions.Skip(1), p => Assert.Matches("^[0-9]{4}-[0-9]{2}-[0-9]{2}$", p.Partition.From));
    }

    [Fact]
    public async Task A_first_key_with_few_values_leaves_the_first_partition_empty_and_no_empty_block_is_staged()
    {
        // Three rows in four share the smallest first key, so the median (of any sample) is that key and the first
        // partition (below it) is empty. Storage refuses an empty block (Azure's 400; Azurite takes it): the wrapper refuses it too.
        using var folder = TempCatalog.Create(("halves.yaml", TempCatalog
            .TinyWithTime("CASE WHEN o.id % 4 <> 0 THEN timestamptz '2000-01-01' ELSE o.ordered_at END")
            .Replace("name: tiny", "name: halves", StringComparison.Ordinal)));
        var report = CatalogFiles.Load(folder.Path).Find("halves")!;
        var request = Request(report, "ndjson", """{"from":"2024-01-01"}""");
        var whole = await GenerateAsync(request, readers: 1);

        var partitioned = await GenerateAsync(Again(request), readers: 2, files: NoEmptyBlocks(await FilesAsync()));

        Assert.Equal(0, partitioned.Partitions[0].Partition.Progress.Blocks);
        Assert.Equal(whole.File.Sha256, partitioned.File.Sha256);
        Assert.Equal(whole.File.Sha256, await HashAsync(partitioned.File.BlobName));
    }

    [Fact]
    public async Task A_partitioned_file_stopped_midway_resumes_every_partition_from_its_own_checkpoint()
    {
        var request = Request(BuiltInReports.Orders, "csv", """{"from":"2021-01-01","to":"2025-12-31"}""");
        var whole = await GenerateAsync(request, readers: 1);

        // The first attempt (and its helper) stops, as a worker shutting down, once blocks of two partitions are staged.
        var job = await ClaimJobAsync();
        using var stop = new CancellationTokenSource();
        var first = GenerateAsync(Again(request), readers: 4, helpers: 1, job: job, cancellationToken: stop.Token);
        await FaultSystem.EventuallyAsync(async () => (await PartitionsAsync(job.Claim.Id)).Count(p => p.Partition.Progress.Blocks > 0) >= 2,
            "blocks of two partitions staged", TimeSpan.FromMinutes(2));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        var saved = await PartitionsAsync(job.Claim.Id);
        Assert.Contains(saved, p => !p.Done);
        Assert.True(await job.Jobs.ReleaseAsync(job.Claim, CancellationToken.None));

        // The next attempt claims every partition at once (the stopped claims were given back) and resumes each.
        var next = await ClaimJobAsync(job.Claim.Id);
        Assert.Equal(2, next.Claim.Attempt);
        var resumed = await GenerateAsync(job.Request with { Attempt = 2, Checkpoint = job.Progress.Checkpoints[0] }, readers: 4, job: next);

        Assert.Equal(whole.File.Sha256, resumed.File.Sha256);
        Assert.Equal(whole.File.Sha256, await HashAsync(resumed.File.BlobName));
        // Resumed, not laid out again: the same cut, each partition keeping the blocks staged before.
        Assert.Equal(saved.Select(p => (p.Partition.From, p.Partition.To)), resumed.Partitions.Select(p => (p.Partition.From, p.Partition.To)));
        Assert.All(resumed.Partitions.Zip(saved), pair => Assert.True(pair.First.Partition.Progress.Blocks >= pair.Second.Partition.Progress.Blocks));
        Assert.Contains(resumed.Partitions, p => p.Partition.Progress.BlockRuns().Count >= 2);
    }

    [Fact]
    public async Task Cancelling_a_partitioned_file_stops_every_partition()
    {
        var request = Request(BuiltInReports.Orders, "csv", """{"from":"2021-01-01","to":"2025-12-31"}""");
        var job = await ClaimJobAsync();
        using var cancel = new CancellationTokenSource();
        var run = GenerateAsync(request, readers: 4, helpers: 1, files: SlowStaging(await FilesAsync()), job: job, cancellationToken: cancel.Token);
        await FaultSystem.EventuallyAsync(async () => (await PartitionsAsync(job.Claim.Id)).Sum(p => p.Partition.Progress.Blocks) >= 6,
            "some blocks staged", TimeSpan.FromMinutes(2));

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        var stopped = await PartitionsAsync(job.Claim.Id);
        await Task.Delay(TimeSpan.FromSeconds(1));
        // No partition went on after the cancel: nothing was recorded since, and the file was never committed.
        Assert.Equal(stopped.Select(p => p.Partition.Progress.Blocks), (await PartitionsAsync(job.Claim.Id)).Select(p => p.Partition.Progress.Blocks));
        Assert.Null(await FileOrNullAsync(job.Request.BlobName));
    }

    [Fact]
    public async Task A_helper_leaves_the_sources_last_query_slot_to_other_reports()
    {
        var services = (await infrastructure.SystemAsync()).WorkerServices;
        var source = services.GetRequiredService<ReportSources>().Get(ReportDefinition.DefaultSource);
        var slots = services.GetRequiredService<SourceQuerySlots>();
        var job = await ClaimJobAsync();
        var request = GenerationRequests.For(BuiltInReports.Orders, "csv") with { JobId = job.Claim.Id };
        Assert.True(await job.Partitions.PlanAsync(job.Claim, [new PartitionCheckpoint(null, null, GenerationCheckpoint.Start)], CancellationToken.None));
        // Other reports hold all but one of the source's slots: a helper does not take the last one.
        var held = new List<SourceQuerySlots.Slot>();
        for (var i = 0; i < source.Options.MaxConcurrentQueries - 1; i++)
        {
            held.Add(await slots.WaitAsync(source.Name, source.Options.MaxConcurrentQueries, TimeSpan.FromMinutes(1), CancellationToken.None));
        }

        using var bounded = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var claimed = (await (await BoardAsync(job.Claim.Id, HelperWorker, owner: null)).ClaimAsync(takeStalled: false, CancellationToken.None))!;
        var reading = (await GeneratorAsync(readers: 2)).ReadClaimedPartitionAsync(request, claimed, bounded.Token);
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            Assert.False(reading.IsCompleted);
            Assert.Equal(0, (await PartitionsAsync(job.Claim.Id))[0].Partition.Progress.Rows);
        }
        finally
        {
            foreach (var slot in held)
            {
                await slot.DisposeAsync();
            }
        }

        await reading;
        Assert.True((await PartitionsAsync(job.Claim.Id))[0].Done);
    }

    [Fact]
    public async Task A_partitioned_report_whose_first_key_is_null_in_some_rows_fails_naming_the_column()
    {
        // The NULL keys fall in no partition (percentiles skip them, as the keyset never reaches them): fewer rows are
        // read than counted, and the check after the last partition finds them.
        using var folder = TempCatalog.Create(("tiny.yaml", TempCatalog.TinyWithTime("CASE WHEN o.id % 1000 = 999 THEN NULL ELSE o.ordered_at END")));
        var report = CatalogFiles.Load(folder.Path).Find("tiny")!;
        var job = await ClaimJobAsync();

        var failure = await Assert.ThrowsAsync<ReportDefinitionException>(() => GenerateAsync(Request(report, "csv", """{"from":"2020-01-01"}"""), readers: 4, job: job));

        Assert.Equal(4, (await PartitionsAsync(job.Claim.Id)).Count);
        Assert.Contains("no value (NULL) in its key column 'ordered_at_utc'", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_gzip_file_and_a_small_report_are_read_whole()
    {
        var gzip = await GenerateAsync(Request(BuiltInReports.Orders, "csv", """{"from":"2024-01-01","to":"2024-12-31","compression":"gzip"}"""), readers: 4);
        Assert.Empty(gzip.Partitions);
        Assert.All(gzip.Progress.Checkpoints, c => Assert.Null(c.Partitions));

        // Fewer than twice the fewest rows a partition is cut for: one part.
        var small = await GenerateAsync(GenerationRequests.For(BuiltInReports.Orders, "csv"), readers: 4, partitionMinRows: 1_000_000);
        Assert.Empty(small.Partitions);
        Assert.All(small.Progress.Checkpoints, c => Assert.Null(c.Partitions));
    }

    private const string OwnerWorker = "partition-test-owner";
    private const string HelperWorker = "partition-test-helper";

    /// <summary>A job claimed for a test, the request its file is written for, and the stores it is recorded in.</summary>
    private sealed record PartitionedJob(ClaimedJob Claim, JobStore Jobs, PartitionStore Partitions)
    {
        public GenerationRequest Request { get; set; } = null!;

        public RecordingProgress Progress { get; } = new();
    }

    /// <summary>What a run made: the file, the job's progress, its rows as shown while it ran, and its partitions at the end.</summary>
    private sealed record Run(ReportFile File, RecordingProgress Progress, IReadOnlyList<long> RowsShown, IReadOnlyList<PartitionState> Partitions);

    /// <summary>
    /// Generates the report read whole, then again as another job in <paramref name="readers"/> partitions, and checks
    /// the second is cut so and is byte for byte the first. Returns the whole file and the partitioned run.
    /// </summary>
    private async Task<(ReportFile Whole, Run Run)> PartitionedEqualsWholeAsync(GenerationRequest request, int readers)
    {
        var whole = await GenerateAsync(request, readers: 1);
        var partitioned = await GenerateAsync(Again(request), readers);

        Assert.Equal(readers, partitioned.Partitions.Count);
        Assert.Equal((whole.File.Rows, whole.File.SizeBytes, whole.File.Sha256), (partitioned.File.Rows, partitioned.File.SizeBytes, partitioned.File.Sha256));
        Assert.Equal(whole.File.Sha256, await HashAsync(partitioned.File.BlobName));
        return (whole.File, partitioned);
    }

    /// <summary>
    /// Writes the request's file as a claimed job (a new one unless <paramref name="job"/> is given), with
    /// <paramref name="helpers"/> in-process workers asked to help, while the job's rows as shown are sampled.
    /// </summary>
    private async Task<Run> GenerateAsync(
        GenerationRequest request, int readers, int helpers = 0, long partitionMinRows = 1_000, IReportFiles? files = null, PartitionedJob? job = null,
        CancellationToken cancellationToken = default) =>
        await GenerateAsync(request, RowDrawer(await GeneratorAsync(readers, partitionMinRows, files)), helpers, job, cancellationToken);

    /// <summary>How a format's file is generated by the job's worker, and how a helper draws one claimed partition of it.</summary>
    private sealed record Drawer(
        Func<GenerationRequest, IJobProgress, IPartitionBoard, CancellationToken, Task<ReportFile>> Generate,
        Func<GenerationRequest, IClaimedPartition, CancellationToken, Task> Help);

    private static Drawer RowDrawer(RowReportGenerator generator) => new(generator.GenerateAsync, generator.ReadClaimedPartitionAsync);

    private async Task<Run> GenerateAsync(GenerationRequest request, Drawer drawer, int helpers, PartitionedJob? job, CancellationToken cancellationToken)
    {
        job ??= await ClaimJobAsync();
        job.Request = request with { JobId = job.Claim.Id };
        using var done = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var rowsShown = new List<long>();
        var sampling = SampleRowsAsync(job.Claim.Id, rowsShown, done.Token);
        var helping = Enumerable.Range(0, helpers).Select(_ => HelpAsync(drawer, job, done.Token)).ToList();
        // Bounded: a run that cannot finish (its partitions no longer claimable, say) fails the test instead of hanging it.
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(TimeSpan.FromMinutes(5));
        try
        {
            var file = await drawer.Generate(job.Request, job.Progress, await BoardAsync(job.Claim.Id, OwnerWorker, job.Claim), bounded.Token);
            rowsShown.Add(await RowsShownAsync(job.Claim.Id));
            return new Run(file, job.Progress, rowsShown, await PartitionsAsync(job.Claim.Id));
        }
        finally
        {
            await done.CancelAsync();
            await Task.WhenAll([sampling, .. helping]);
        }
    }

    /// <summary>A worker asked to help: draws the job's free partitions until the run ends.</summary>
    private async Task HelpAsync(Drawer drawer, PartitionedJob job, CancellationToken cancellationToken)
    {
        try
        {
            var board = await BoardAsync(job.Claim.Id, HelperWorker, owner: null);
            while (!cancellationToken.IsCancellationRequested)
            {
                // Help is asked for once the layout is in the job's checkpoint, where a helper reads it.
                var laidOut = job.Progress.LastCheckpoint ?? job.Request.Checkpoint;
                await using var claimed = laidOut.Partitions is null ? null : await board.ClaimAsync(takeStalled: false, cancellationToken);
                if (claimed is null)
                {
                    await Task.Delay(50, cancellationToken);
                    continue;
                }

                // The job's request as a helper builds it: from the job's checkpoint as it stands.
                await drawer.Help(job.Request with { Checkpoint = laidOut }, claimed, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run ended.
        }
    }

    private async Task SampleRowsAsync(Guid jobId, List<long> rowsShown, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                rowsShown.Add(await RowsShownAsync(jobId));
                await Task.Delay(20, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run ended.
        }
    }

    private async Task<RowReportGenerator> GeneratorAsync(int readers, long partitionMinRows = 1_000, IReportFiles? files = null, int lanes = 2)
    {
        var services = (await infrastructure.SystemAsync()).WorkerServices;
        return new RowReportGenerator(
            services.GetRequiredService<SourceConnections>(),
            files ?? services.GetRequiredService<IReportFiles>(),
            new BlockBuffers(BlockSize),
            Options.Create(new GenerationOptions
            {
                PageSize = PageSize, BlockSizeBytes = BlockSize, ReadersPerReport = readers, PartitionMinRows = partitionMinRows, LanesPerJob = lanes,
                // Several pages per partition, each cut into blocks mid-page (a block holds about 900 orders): a resumed
                // partition starts from a block's last row, inside a page.
                PartitionPageSize = PartitionPageSize,
            }));
    }

    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(20);

    /// <summary>
    /// The test's job claims: nothing renews them here, and the shared system's maintenance re-queues a job whose lease
    /// lapsed, after which none of its partitions can be claimed: long enough for a run on a loaded machine.
    /// </summary>
    private static readonly TimeSpan JobLease = TimeSpan.FromMinutes(10);

    private async Task<JobPartitions> BoardAsync(Guid jobId, string worker, ClaimedJob? owner)
    {
        var services = (await infrastructure.SystemAsync()).WorkerServices;
        return new JobPartitions(services.GetRequiredService<PartitionStore>(), services.GetRequiredService<RedisJobStreams>(),
            services.GetRequiredService<JobEvents>(), jobId, TestQueue, owner, message: null,
            new WorkerOptions { Id = worker, Lease = Lease, Heartbeat = TimeSpan.FromSeconds(2) }, TimeProvider.System, NullLogger.Instance);
    }

    /// <summary>A new job on a queue no worker serves, claimed as the job's worker would (or <paramref name="id"/> claimed again).</summary>
    private async Task<PartitionedJob> ClaimJobAsync(Guid? id = null)
    {
        var services = (await infrastructure.SystemAsync()).WorkerServices;
        var jobs = services.GetRequiredService<JobStore>();
        var jobId = id ?? (await jobs.CreateAsync(NoOpJobs.New(TestQueue), CancellationToken.None)).Job.Id;
        var claim = await jobs.ClaimAsync(jobId, OwnerWorker, JobLease, CancellationToken.None);
        return new PartitionedJob(claim!, jobs, services.GetRequiredService<PartitionStore>());
    }

    private async Task<IReadOnlyList<PartitionState>> PartitionsAsync(Guid jobId) =>
        await (await infrastructure.SystemAsync()).WorkerServices.GetRequiredService<PartitionStore>().ReadAsync(jobId, CancellationToken.None);

    private async Task<long> RowsShownAsync(Guid jobId) =>
        (await (await infrastructure.SystemAsync()).WorkerServices.GetRequiredService<JobStore>().GetAsync(jobId, null, CancellationToken.None))!.RowsWritten;

    private async Task<IReportFiles> FilesAsync() => (await infrastructure.SystemAsync()).WorkerServices.GetRequiredService<IReportFiles>();

    /// <summary>
    /// Storage whose first partition to stage a block waits there until another partition stages one (or ten seconds,
    /// well inside the test job's lease): only a second lane drawing beside the first lets it go on at once.
    /// <c>Overlapped</c> tells whether one did (null before the first block).
    /// </summary>
    private static (StagingFirst Files, Func<bool?> Overlapped) WaitingForASecondLane(IReportFiles storage)
    {
        var otherStaged = new TaskCompletionSource();
        int? first = null;
        bool? overlapped = null;
        var files = new StagingFirst(storage, async (block, _) =>
        {
            lock (otherStaged)
            {
                first ??= block.Attempt;
                if (block.Attempt != first)
                {
                    otherStaged.TrySetResult();
                    return;
                }
            }

            overlapped ??= await Task.WhenAny(otherStaged.Task, Task.Delay(TimeSpan.FromSeconds(10))) == otherStaged.Task;
        });
        return (files, () => overlapped);
    }

    /// <summary>Storage as Azure is: an empty block is refused.</summary>
    private static StagingFirst NoEmptyBlocks(IReportFiles storage) => new(storage, (block, content) => content.IsEmpty
        ? throw new InvalidOperationException($"An empty block {block} was staged: Azure refuses it.")
        : Task.CompletedTask);

    /// <summary>Slow storage: a tenth of a second for each block staged, so a partition lasts long enough for a helper to claim the next.</summary>
    private static StagingFirst SlowStaging(IReportFiles storage) => new(storage, (_, _) => Task.Delay(100));

    /// <summary>Storage that runs <paramref name="before"/> ahead of staging each block.</summary>
    private sealed class StagingFirst(IReportFiles storage, Func<FileBlock, ReadOnlyMemory<byte>, Task> before) : IReportFiles
    {
        private int _reads;

        public async Task StageBlockAsync(string fileName, FileBlock block, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
        {
            await before(block, content);
            await storage.StageBlockAsync(fileName, block, content, cancellationToken);
        }

        public Task<bool> HasBlocksAsync(string fileName, IReadOnlyList<FileBlock> blocks, CancellationToken cancellationToken) =>
            storage.HasBlocksAsync(fileName, blocks, cancellationToken);

        public Task CommitAsync(string fileName, IReadOnlyList<FileBlock> blocks, FileWrite file, CancellationToken cancellationToken) =>
            storage.CommitAsync(fileName, blocks, file, cancellationToken);

        public Task UploadAsync(string fileName, ReadOnlyMemory<byte> content, FileWrite file, CancellationToken cancellationToken) =>
            storage.UploadAsync(fileName, content, file, cancellationToken);

        /// <summary>Files opened for reading (a hash read back from storage, say).</summary>
        public int Reads => _reads;

        public Task<Stream> OpenReadAsync(string fileName, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _reads);
            return storage.OpenReadAsync(fileName, cancellationToken);
        }

        public Uri GetDownloadUri(string fileName, string downloadName, DateTimeOffset expiresAt) => storage.GetDownloadUri(fileName, downloadName, expiresAt);

        public Task DeleteAsync(string fileName, CancellationToken cancellationToken) => storage.DeleteAsync(fileName, cancellationToken);
    }

    private async Task<string> HashAsync(string blobName)
    {
        var files = (await infrastructure.SystemAsync()).WorkerServices.GetRequiredService<IReportFiles>();
        await using var stream = await files.OpenReadAsync(blobName, CancellationToken.None);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream));
    }

    private async Task<string?> FileOrNullAsync(string blobName)
    {
        try
        {
            return await HashAsync(blobName);
        }
        catch (Azure.RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    /// <summary>The same report as another job (its own file).</summary>
    private static GenerationRequest Again(GenerationRequest request)
    {
        var id = Guid.NewGuid();
        return request with { JobId = id, BlobName = $"{id:N}.{request.Format}" };
    }

    private static GenerationRequest Request(ReportDefinition report, string format, string parameters)
    {
        var arguments = ParameterValidator.Validate(report, JsonDocument.Parse(parameters).RootElement, format).Arguments!;
        var id = Guid.NewGuid();
        return new GenerationRequest(id, report, arguments, $"{id:N}.{format}", $"{report.Name}.{format}", GenerationCheckpoint.Start, Attempt: 1)
        {
            Format = format,
            CreatedAt = DateTimeOffset.UtcNow,
        };
    }
}
