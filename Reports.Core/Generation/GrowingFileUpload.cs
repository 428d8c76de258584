using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using Reports.Core.Telemetry;

namespace Reports.Core.Generation;

/// <summary>
/// Uploads a local file as staged blocks while it is still being written, hashing it on the way: the writer says how
/// far the file is written (and flushed) with <see cref="Advance"/>, every whole block up to there is staged in the
/// background with positional reads, and <see cref="CompleteAsync"/> stages the tail once the file is finished. So the
/// upload overlaps the drawing instead of following it. The file must only grow (nothing written is rewritten). Blocks
/// are staged under the ids of the attempt that writes the file.
/// </summary>
internal sealed class GrowingFileUpload : IAsyncDisposable
{
    private readonly IReportFiles _files;
    private readonly BlockBuffers _buffers;
    private readonly string _blobName;
    private readonly int _attempt;
    private readonly SafeFileHandle _file;
    private readonly int _blockSize;
    private readonly int _firstSequence;
    private readonly SemaphoreSlim _advanced = new(0);
    private readonly CancellationTokenSource _stop;
    private readonly Task<UploadedBlocks> _upload;
    private long _written;
    private long _final = -1;

    /// <param name="firstSequence">The first block's number in the file (a segment of a file drawn apart starts after the blocks before it).</param>
    public GrowingFileUpload(
        IReportFiles files, BlockBuffers buffers, string blobName, int attempt, SafeFileHandle file, int blockSize, int firstSequence,
        CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(blockSize, buffers.BufferSize);
        (_files, _buffers, _blobName, _attempt, _file, _blockSize, _firstSequence) = (files, buffers, blobName, attempt, file, blockSize, firstSequence);
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _upload = Task.Run(() => UploadAsync(_stop.Token), _stop.Token);
    }

    /// <summary>The file holds at least <paramref name="length"/> bytes that will not change.</summary>
    public void Advance(long length)
    {
        Interlocked.Exchange(ref _written, length);
        _advanced.Release();
    }

    /// <summary>The file is finished at <paramref name="length"/> bytes: stages what is left and returns the blocks.</summary>
    public Task<UploadedBlocks> CompleteAsync(long length)
    {
        Interlocked.Exchange(ref _final, length);
        Advance(length);
        return _upload;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _upload;
        }
        catch (Exception) when (_upload.IsCanceled || _upload.IsFaulted)
        {
            // Abandoned (the drawing failed) or already reported by CompleteAsync.
        }

        _stop.Dispose();
        _advanced.Dispose();
    }

    private async Task<UploadedBlocks> UploadAsync(CancellationToken cancellationToken)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = _buffers.Rent();
        try
        {
            var blocks = 0;
            long staged = 0;
            while (true)
            {
                await _advanced.WaitAsync(cancellationToken);
                var final = Interlocked.Read(ref _final);
                var written = Interlocked.Read(ref _written);
                while (written - staged >= _blockSize || (final >= 0 && (staged < final || blocks == 0)))
                {
                    var length = (int)Math.Min(_blockSize, written - staged);
                    await StageAsync(buffer.AsMemory(0, length), staged, blocks, sha, cancellationToken);
                    staged += length;
                    blocks++;
                }

                if (final >= 0)
                {
                    return new UploadedBlocks(blocks, staged, Convert.ToHexStringLower(sha.GetHashAndReset()));
                }
            }
        }
        finally
        {
            _buffers.Return(buffer);
        }
    }

    private async Task StageAsync(Memory<byte> block, long offset, int sequence, IncrementalHash sha, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var filled = 0;
        while (filled < block.Length)
        {
            var read = await RandomAccess.ReadAsync(_file, block[filled..], offset + filled, cancellationToken);
            if (read == 0)
            {
                throw new IOException($"The file ended at {offset + filled:N0} bytes; {offset + block.Length:N0} were promised.");
            }

            filled += read;
        }

        using var activity = ReportsActivities.Source.StartActivity(ReportsActivities.Block);
        activity?.SetTag(ReportsActivities.BlockTag, sequence);
        activity?.SetTag(ReportsActivities.BytesTag, block.Length);
        ReportsMetrics.BytesWritten.Add(block.Length);
        // Not cancelled halfway: a request abandoned by the client may still land after a cancelled job's blob was
        // deleted, leaving a block behind. The upload stops before the next block instead.
        await _files.StageBlockAsync(_blobName, new FileBlock(_attempt, _firstSequence + sequence), block, CancellationToken.None);
        sha.AppendData(block.Span);
    }
}

internal sealed record UploadedBlocks(int Blocks, long Bytes, string Sha256);
