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
        await using (var upload = new GrowingFileUpload(files, new BlockBuffers(BlockSize), "file.bin", 1, file.SafeFileHandle, BlockSize, 0, CancellationToken.None))
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
        var upload = new GrowingFileUpload(files, new BlockBuffers(BlockSize), "file.bin", 1, file.SafeFileHandle, BlockSize, 0, CancellationToken.None);
        file.Write(new byte[100]);
        file.Flush();
        upload.Advance(file.Position);

        await upload.DisposeAsync();

        Assert.Empty(files.Staged);
    }

    [Fact]
    public async Task A_block_being_staged_when_the_job_is_cancelled_is_sent_whole_rather_than_abandoned_midway()
    {
        // An abandoned request may still land after the cancel has deleted the job's blocks, leaving one behind: the
        // upload stops before the next block instead.
        var files = new RecordingFiles { Gate = new TaskCompletionSource() };
        using var cancel = new CancellationTokenSource();
        await using var file = new FileStream(_path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 512, FileOptions.Asynchronous);
        var upload = new GrowingFileUpload(files, new BlockBuffers(BlockSize), "file.bin", 1, file.SafeFileHandle, BlockSize, 0, cancel.Token);
        file.Write(new byte[2 * BlockSize]);
        file.Flush();
        upload.Advance(file.Position);
        await Poll.UntilAsync(() => files.Staging == 1, "the first block is being staged");

        await cancel.CancelAsync();
        files.Gate.SetResult();
        await upload.DisposeAsync();

        Assert.Equal([0], files.Staged.Keys);
        Assert.Empty(files.Abandoned);
    }

    private sealed class RecordingFiles : IReportFiles
    {
        private int _staging;

        public ConcurrentDictionary<int, byte[]> Staged { get; } = new();

        /// <summary>Blocks whose request was cancelled while it was being sent.</summary>
        public ConcurrentBag<int> Abandoned { get; } = [];

        /// <summary>When set, each stage waits for it, as a request in flight.</summary>
        public TaskCompletionSource? Gate { get; init; }

        public int Staging => Volatile.Read(ref _staging);

        public async Task StageBlockAsync(string fileName, FileBlock block, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _staging);
            if (Gate is not null)
            {
                await Gate.Task;
            }

            if (cancellationToken.IsCancellationRequested)
            {
                Abandoned.Add(block.Sequence);
                return;
            }

            Staged[block.Sequence] = content.ToArray();
        }

        public Task UploadAsync(string fileName, ReadOnlyMemory<byte> content, FileWrite file, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<bool> HasBlocksAsync(string fileName, IReadOnlyList<FileBlock> blocks, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task CommitAsync(string fileName, IReadOnlyList<FileBlock> blocks, FileWrite file, CancellationToken cancellationToken) =>
            Task.CompletedTask;

        public Task<Stream> OpenReadAsync(string fileName, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Uri GetDownloadUri(string fileName, string downloadName, DateTimeOffset expiresAt) => throw new NotSupportedException();

        public Task DeleteAsync(string fileName, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
