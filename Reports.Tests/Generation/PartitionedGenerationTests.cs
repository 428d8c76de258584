using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Reports.Core.Catalog;
using Reports.Core.Catalog.Files;
using Reports.Core.Generation;
using Reports.Core.Jobs;
using Reports.Core.Sources;
using Reports.Core.Telemetry;
using Reports.Tests.Catalog;
using Reports.Tests.Integration;

namespace Reports.Tests.Generation;

/// <summary>
/// A large report is read as key-range partitions side by side, each with its own checkpoint, and its blocks are
/// committed in key order: the file is byte for byte the one read whole, whether it ran through or was resumed.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class PartitionedGenerationTests(Infrastructure infrastructure)
{
    private const int PageSize = 500;
    private const int BlockSize = 64 * 1024;

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
        var (whole, progress) = await PartitionedEqualsWholeAsync(GenerationRequests.For(BuiltInReports.Orders, format), readers);

        var partitions = progress.Checkpoints[^1].Partitions!;
        // Each partition holds a share of the rows, and the shown progress never moves back.
        Assert.All(partitions, p => Assert.True(p.Progress.Rows > whole.Rows / readers / 2, $"a partition of {p.Progress.Rows} of {whole.Rows} rows"));
        Assert.Equal(progress.Rows.Order(), progress.Rows);
        Assert.Equal(progress.Checkpoints.Select(c => c.Rows).Order(), progress.Checkpoints.Select(c => c.Rows));
        Assert.Equal(whole.Rows, progress.Total);
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
        var (_, progress) = await PartitionedEqualsWholeAsync(Request(BuiltInReports.DailySales, "csv", """{"from":"2021-01-01","to":"2025-12-31"}"""), readers: 4);

        Assert.All(progress.Checkpoints[^1].Partitions!.Skip(1), p => Assert.Matches("^[0-9]{4}-[0-9]{2}-[0-9]{2}$", p.From));
    }

    [Fact]
    public async Task A_first_key_with_few_values_leaves_the_first_partition_empty_and_no_empty_block_is_staged()
    {
        // Half the rows share the smallest first key, so the median is that key and the first partition (below it) is
        // empty. Storage refuses an empty block (Azure's 400; Azurite takes it): the wrapper refuses it too.
        using var folder = TempCatalog.Create(("halves.yaml", TempCatalog
            .TinyWithTime("CASE WHEN o.id % 2 = 0 THEN timestamptz '2000-01-01' ELSE o.ordered_at END")
            .Replace("name: tiny", "name: halves", StringComparison.Ordinal)));
        var report = CatalogFiles.Load(folder.Path).Find("halves")!;
        var request = Request(report, "ndjson", """{"from":"2024-01-01"}""");
        var whole = await GenerateAsync(request, readers: 1, new RecordingProgress());
        var progress = new RecordingProgress();

        var partitioned = await GenerateAsync(Again(request), readers: 2, progress, files: new NoEmptyBlocks(await FilesAsync()));

        var partitions = progress.Checkpoints[^1].Partitions!;
        Assert.Equal(0, partitions[0].Progress.Blocks);
        Assert.Equal(whole.Sha256, partitioned.Sha256);
        Assert.Equal(whole.Sha256, await HashAsync(partitioned.BlobName));
    }

    [Fact]
    public async Task A_partitioned_file_stopped_midway_resumes_every_partition_from_its_own_checkpoint()
    {
        var request = Request(BuiltInReports.Orders, "csv", """{"from":"2021-01-01","to":"2025-12-31"}""");
        var whole = await GenerateAsync(request, readers: 1, new RecordingProgress());

        // The first attempt stops (as a worker that lost its lease) after some blocks of each partition were staged.
        var first = new RecordingProgress { FailAfterCheckpoints = 12 };
        var partitioned = Again(request);
        await Assert.ThrowsAsync<LeaseLostException>(() => GenerateAsync(partitioned, readers: 4, first));
        var saved = first.Checkpoints[^1];
        Assert.NotNull(saved.Partitions);
        Assert.True(saved.Partitions.Count(p => p.Progress.Blocks > 0) >= 2, "the stop should come after blocks of several partitions");

        var second = new RecordingProgress();
        var resumed = await GenerateAsync(partitioned with { Checkpoint = saved, Attempt = 2 }, readers: 4, second);

        Assert.Equal(whole.Sha256, resumed.Sha256);
        Assert.Equal(whole.Sha256, await HashAsync(resumed.BlobName));
        // Resumed, not started again: the same cut, each partition keeping the first attempt's blocks.
        var final = second.Checkpoints[^1].Partitions!;
        Assert.Equal(saved.Partitions.Select(p => (p.From, p.To)), final.Select(p => (p.From, p.To)));
        Assert.Contains(final, p => p.Progress.BlockRuns().Select(r => r.Attempt).SequenceEqual([1, 2]));
        Assert.All(final.Zip(saved.Partitions), pair => Assert.True(pair.First.Progress.Blocks >= pair.Second.Progress.Blocks));
    }

    [Fact]
    public async Task Cancelling_a_partitioned_file_stops_every_partition()
    {
        var request = GenerationRequests.For(BuiltInReports.Orders, "csv");
        using var cancel = new CancellationTokenSource();
        var progress = new RecordingProgress { OnCheckpoint = count => { if (count == 6) { cancel.Cancel(); } } };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => GenerateAsync(request, readers: 4, progress, cancellationToken: cancel.Token));
        var recorded = progress.Checkpoints.Count;
        await Task.Delay(TimeSpan.FromSeconds(1));

        // No partition went on after the cancel: nothing was recorded since, and the file was never committed.
        Assert.Equal(recorded, progress.Checkpoints.Count);
        Assert.Null(await FileOrNullAsync(request.BlobName));
    }

    [Fact]
    public async Task The_extra_partitions_of_a_report_leave_the_sources_last_query_slot_to_other_reports()
    {
        var services = (await infrastructure.SystemAsync()).WorkerServices;
        var source = services.GetRequiredService<ReportSources>().Get(ReportDefinition.DefaultSource);
        var slots = services.GetRequiredService<SourceQuerySlots>();
        // Other reports hold all but one of the source's slots: the first partition reads on the last one; the others wait.
        var held = new List<SourceQuerySlots.Slot>();
        for (var i = 0; i < source.Options.MaxConcurrentQueries - 1; i++)
        {
            held.Add(await slots.WaitAsync(source.Name, source.Options.MaxConcurrentQueries, TimeSpan.FromMinutes(1), CancellationToken.None));
        }

        var request = GenerationRequests.For(BuiltInReports.Orders, "csv");
        var progress = new RecordingProgress();
        using var bounded = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var generation = GenerateAsync(request, readers: 3, progress, cancellationToken: bounded.Token);
        try
        {
            await Engine.FaultSystem.EventuallyAsync(
                () => Task.FromResult(progress.LastCheckpoint?.Partitions?[0].Progress.Blocks > 0), "the first partition staged blocks");
            await Task.Delay(TimeSpan.FromSeconds(1));
            Assert.False(generation.IsCompleted);
            Assert.All(progress.LastCheckpoint!.Partitions!.Skip(1), p => Assert.Equal(0, p.Progress.Blocks));
        }
        finally
        {
            foreach (var slot in held)
            {
                await slot.DisposeAsync();
            }
        }

        var file = await generation;
        var whole = await GenerateAsync(Again(request), readers: 1, new RecordingProgress());
        Assert.Equal(whole.Sha256, file.Sha256);
    }

    [Fact]
    public async Task A_partitioned_report_whose_first_key_is_null_in_some_rows_fails_naming_the_column()
    {
        // The NULL keys fall in no partition (percentiles skip them, as the keyset never reaches them): fewer rows are
        // read than counted, and the check after the last partition finds them.
        using var folder = TempCatalog.Create(("tiny.yaml", TempCatalog.TinyWithTime("CASE WHEN o.id % 1000 = 999 THEN NULL ELSE o.ordered_at END")));
        var report = CatalogFiles.Load(folder.Path).Find("tiny")!;
        var progress = new RecordingProgress();

        var failure = await Assert.ThrowsAsync<ReportDefinitionException>(() => GenerateAsync(Request(report, "csv", """{"from":"2020-01-01"}"""), readers: 4, progress));

        Assert.NotNull(progress.Checkpoints[^1].Partitions);
        Assert.Contains("no value (NULL) in its key column 'ordered_at_utc'", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_gzip_file_and_a_small_report_are_read_whole()
    {
        var gzip = Request(BuiltInReports.Orders, "csv", """{"from":"2024-01-01","to":"2024-12-31","compression":"gzip"}""");
        var progress = new RecordingProgress();
        await GenerateAsync(gzip, readers: 4, progress);
        Assert.All(progress.Checkpoints, c => Assert.Null(c.Partitions));

        // Fewer than twice the fewest rows a partition is cut for: one part.
        var small = new RecordingProgress();
        await GenerateAsync(GenerationRequests.For(BuiltInReports.Orders, "csv"), readers: 4, small, partitionMinRows: 1_000_000);
        Assert.All(small.Checkpoints, c => Assert.Null(c.Partitions));
    }

    /// <summary>
    /// Generates the report read whole, then again as another job in <paramref name="readers"/> partitions, and checks
    /// the second is cut so and is byte for byte the first. Returns the whole file and the partitioned run's progress.
    /// </summary>
    private async Task<(ReportFile Whole, RecordingProgress Progress)> PartitionedEqualsWholeAsync(GenerationRequest request, int readers)
    {
        var whole = await GenerateAsync(request, readers: 1, new RecordingProgress());
        var progress = new RecordingProgress();
        var partitioned = await GenerateAsync(Again(request), readers, progress);

        Assert.Equal(readers, progress.Checkpoints[^1].Partitions?.Count);
        Assert.Equal((whole.Rows, whole.SizeBytes, whole.Sha256), (partitioned.Rows, partitioned.SizeBytes, partitioned.Sha256));
        Assert.Equal(whole.Sha256, await HashAsync(partitioned.BlobName));
        return (whole, progress);
    }

    private async Task<ReportFile> GenerateAsync(
        GenerationRequest request, int readers, RecordingProgress progress, long partitionMinRows = 1_000, IReportFiles? files = null,
        CancellationToken cancellationToken = default)
    {
        var services = (await infrastructure.SystemAsync()).WorkerServices;
        var generator = new RowReportGenerator(
            services.GetRequiredService<SourceConnections>(),
            files ?? services.GetRequiredService<IReportFiles>(),
            new BlockBuffers(BlockSize),
            Options.Create(new GenerationOptions { PageSize = PageSize, BlockSizeBytes = BlockSize, ReadersPerReport = readers, PartitionMinRows = partitionMinRows }));
        return await generator.GenerateAsync(request, progress, cancellationToken);
    }

    private async Task<IReportFiles> FilesAsync() => (await infrastructure.SystemAsync()).WorkerServices.GetRequiredService<IReportFiles>();

    /// <summary>Storage as Azure is: an empty block is refused.</summary>
    private sealed class NoEmptyBlocks(IReportFiles storage) : IReportFiles
    {
        public Task StageBlockAsync(string fileName, FileBlock block, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
            content.IsEmpty
                ? throw new InvalidOperationException($"An empty block {block} was staged: Azure refuses it.")
                : storage.StageBlockAsync(fileName, block, content, cancellationToken);

        public Task<bool> HasBlocksAsync(string fileName, IReadOnlyList<FileBlock> blocks, CancellationToken cancellationToken) =>
            storage.HasBlocksAsync(fileName, blocks, cancellationToken);

        public Task CommitAsync(string fileName, IReadOnlyList<FileBlock> blocks, FileWrite file, CancellationToken cancellationToken) =>
            storage.CommitAsync(fileName, blocks, file, cancellationToken);

        public Task UploadAsync(string fileName, ReadOnlyMemory<byte> content, FileWrite file, CancellationToken cancellationToken) =>
            storage.UploadAsync(fileName, content, file, cancellationToken);

        public Task<Stream> OpenReadAsync(string fileName, CancellationToken cancellationToken) => storage.OpenReadAsync(fileName, cancellationToken);

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
