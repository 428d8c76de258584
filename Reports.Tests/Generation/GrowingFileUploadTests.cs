using System.Collections.Concurrent;
using System.Security.Cryptography;
using Reports.Core.Generation;
using Reports.Tests.Integration;

namespace Reports.Tests.Generation;

public sealed class GrowingFileUploadTests : IDisposable
{
    private const int BlockSize = 4096;
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"growing-{Guid.NewGuid():N}.bin");

    public void Dispose() => File.Delete(_path);

    [Fact]
    public async Task Whole_blocks_are_staged_while_the_file_grows_and_the_tail_when_it_is_finished()
    {
        var files = new RecordingFiles();
        var content = RandomNumberGenerator.GetBytes((3 * BlockSize) + 1000);
        await using var file = new FileStream(_path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 512, FileOptions.Asynchronous);
        UploadedBlocks uploaded;
        await using (var upload = new GrowingFileUpload(files, new BlockBuffers(BlockSize), "file.bin", file.SafeFileHandle, BlockSize, CancellationToken.None))
        {
            file.Write(content, 0, (2 * BlockSize) + 10);
            file.Flush();
            upload.Advance(file.Position);
            await Poll.UntilAsync(() => files.Staged.Count == 2, "the two whole blocks staged before the file is finished");

            file.Write(content, (2 * BlockSize) + 10, content.Length - ((2 * BlockSize) + 10));
            file.Flush();
            uploaded = await upload.CompleteAsync(file.Position);
        }

        Assert.Equal(4, uploaded.Blocks);
        Assert.Equal(content.Length, uploaded.Bytes);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), uploaded.Sha256);
        Assert.Equal(content, Enumerable.Range(0, 4).SelectMany(i => files.Staged[i]).ToArray());
    }

    [Fact]
    public async Task A_file_abandoned_before_it_is_finished_stops_the_upload_without_an_error()
    {
        var files = new RecordingFiles();
        await using var file = new FileStream(_path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 512, FileOptions.Asynchronous);
        var upload = new GrowingFileUpload(files, new BlockBuffers(BlockSize), "file.bin", file.SafeFileHandle, BlockSize, CancellationToken.None);
        file.Write(new byte[100]);
        file.Flush();
        upload.Advance(file.Position);

        await upload.DisposeAsync();

        Assert.Empty(files.Staged);
    }

    private sealed class RecordingFiles : IReportFiles
    {
        public ConcurrentDictionary<int, byte[]> Staged { get; } = new();

        public Task StageBlockAsync(string fileName, int partition, int sequence, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
        {
            Staged[sequence] = content.ToArray();
            return Task.CompletedTask;
        }

        public Task UploadAsync(string fileName, ReadOnlyMemory<byte> content, string contentType, string downloadName, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task CommitAsync(string fileName, int partition, int blockCount, string contentType, string downloadName, CancellationToken cancellationToken) =>
            Task.CompletedTask;

        public Task<Stream> OpenReadAsync(string fileName, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Uri GetDownloadUri(string fileName, string downloadName, DateTimeOffset expiresAt) => throw new NotSupportedException();

        public Task DeleteAsync(string fileName, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
