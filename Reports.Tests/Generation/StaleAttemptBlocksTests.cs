using Reports.Tests.Catalog;
using System.Security.Cryptography;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Reports.Core.Generation;
using Reports.Core.Generation.Pdf;
using Reports.Core.Storage.Blobs;
using Reports.Tests.Integration;

namespace Reports.Tests.Generation;

/// <summary>
/// Two attempts of one PDF write the same blob: a stale one (its worker stalled, its lease taken over) and the new one.
/// PDFs differ per attempt (their time stamps), so a single stale block in the new attempt's file would corrupt it.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class StaleAttemptBlocksTests(Infrastructure infrastructure)
{
    [Fact]
    public async Task A_stale_attempts_late_blocks_and_late_commit_never_reach_the_new_attempts_file()
    {
        var services = (await infrastructure.SystemAsync()).WorkerServices;
        var storage = services.GetRequiredService<IReportFiles>();
        var request = GenerationRequests.For(BuiltInReports.Orders, "pdf");

        // The stale attempt stages its blocks, then stalls before its commit; its requests are kept to land late.
        var stale = new DelayedFiles(storage);
        await Generator(services, stale, new DateTimeOffset(2031, 1, 1, 8, 0, 0, TimeSpan.Zero))
            .GenerateAsync(request, new RecordingProgress(), CancellationToken.None);
        Assert.NotEmpty(stale.Stages);

        // The new attempt, an hour later: the stale attempt's block requests land after its stages, before its commit.
        var fresh = new DelayedFiles(storage) { BeforeCommit = stale.LandStagesAsync };
        var file = await Generator(services, fresh, new DateTimeOffset(2031, 1, 1, 9, 0, 0, TimeSpan.Zero))
            .GenerateAsync(request with { Attempt = 2 }, new RecordingProgress(), CancellationToken.None);
        Assert.Equal(file.Sha256, await HashAsync(storage, request.BlobName));

        // Then the stale attempt's commit lands, last: the new attempt's file stays.
        await Assert.ThrowsAsync<StaleAttemptException>(stale.LandCommitAsync);
        Assert.Equal(file.Sha256, await HashAsync(storage, request.BlobName));
    }

    [Fact]
    public async Task An_attempt_replaces_the_file_an_older_attempt_committed_before_it_lost_the_job_and_never_the_reverse()
    {
        var services = (await infrastructure.SystemAsync()).WorkerServices;
        var csv = services.GetRequiredService<RowReportGenerator>();
        var request = GenerationRequests.For(BuiltInReports.Orders, "csv");

        // Attempt 1 commits its file, then loses the job before recording it; attempt 2 writes the file again.
        await csv.GenerateAsync(request, new RecordingProgress(), CancellationToken.None);
        var file = await csv.GenerateAsync(request with { Attempt = 2 }, new RecordingProgress(), CancellationToken.None);
        var blob = new BlobServiceClient(infrastructure.BlobConnectionString)
            .GetBlobContainerClient(BlobReportFiles.ContainerName).GetBlobClient(request.BlobName);
        Assert.Equal("2", (await blob.GetPropertiesAsync()).Value.Metadata["attempt"]);
        Assert.Equal(file.Sha256, await HashAsync(services.GetRequiredService<IReportFiles>(), request.BlobName));

        // Attempt 1, still going, writes everything once more: its commit is refused.
        await Assert.ThrowsAsync<StaleAttemptException>(() => csv.GenerateAsync(request, new RecordingProgress(), CancellationToken.None));
        Assert.Equal("2", (await blob.GetPropertiesAsync()).Value.Metadata["attempt"]);
    }

    private static PdfReportGenerator Generator(IServiceProvider services, IReportFiles files, DateTimeOffset now) =>
        ActivatorUtilities.CreateInstance<PdfReportGenerator>(services, files, new FakeTimeProvider(now), new BlockBuffers(ReportsSystem.BlockSizeBytes));

    private static async Task<string> HashAsync(IReportFiles files, string blobName)
    {
        await using var stream = await files.OpenReadAsync(blobName, CancellationToken.None);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream));
    }

    /// <summary>
    /// Real storage whose block stages go through at once; a commit first runs <see cref="BeforeCommit"/>, or, without
    /// one, is held back (the worker stalled) until <see cref="LandCommitAsync"/>. <see cref="LandStagesAsync"/> sends
    /// every stage again, as requests that were retried and land late.
    /// </summary>
    private sealed class DelayedFiles(IReportFiles storage) : IReportFiles
    {
        private Func<Task>? _heldCommit;

        public List<(string FileName, FileBlock Block, byte[] Content)> Stages { get; } = [];

        public Func<Task>? BeforeCommit { get; init; }

        public Task LandStagesAsync() =>
            Task.WhenAll(Stages.Select(s => storage.StageBlockAsync(s.FileName, s.Block, s.Content, CancellationToken.None)));

        public Task LandCommitAsync() => _heldCommit!();

        public async Task StageBlockAsync(string fileName, FileBlock block, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
        {
            Stages.Add((fileName, block, content.ToArray()));
            await storage.StageBlockAsync(fileName, block, content, cancellationToken);
        }

        public Task<bool> HasBlocksAsync(string fileName, IReadOnlyList<FileBlock> blocks, CancellationToken cancellationToken) =>
            storage.HasBlocksAsync(fileName, blocks, cancellationToken);

        public async Task CommitAsync(string fileName, IReadOnlyList<FileBlock> blocks, FileWrite file, CancellationToken cancellationToken)
        {
            if (BeforeCommit is null)
            {
                _heldCommit = () => storage.CommitAsync(fileName, blocks, file, CancellationToken.None);
                return;
            }

            await BeforeCommit();
            await storage.CommitAsync(fileName, blocks, file, cancellationToken);
        }

        public Task UploadAsync(string fileName, ReadOnlyMemory<byte> content, FileWrite file, CancellationToken cancellationToken) =>
            storage.UploadAsync(fileName, content, file, cancellationToken);

        public Task<Stream> OpenReadAsync(string fileName, CancellationToken cancellationToken) => storage.OpenReadAsync(fileName, cancellationToken);

        public Uri GetDownloadUri(string fileName, string downloadName, DateTimeOffset expiresAt) => storage.GetDownloadUri(fileName, downloadName, expiresAt);

        public Task DeleteAsync(string fileName, CancellationToken cancellationToken) => storage.DeleteAsync(fileName, cancellationToken);
    }
}
