using System.Buffers;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;

namespace Reports.Bench.Scenarios;

/// <summary>
/// How every floor writes its bytes: 4 MiB blocks staged while the next block is read (two in flight), then the block
/// list committed, as a block blob upload at its fastest on this machine.
/// </summary>
internal static class StagedBlocks
{
    public const int BlockSize = 4 * 1024 * 1024;

    /// <summary>
    /// Stages the blocks <paramref name="produce"/> writes (buffers rented from the shared pool, returned once staged
    /// unless <paramref name="pooled"/> is false) and commits them. Returns what <paramref name="produce"/> returns.
    /// </summary>
    public static async Task<long> WriteAsync(
        BlobContainerClient container, string blobName, Func<ChannelWriter<(byte[] Buffer, int Length)>, Task<long>> produce,
        CancellationToken cancellationToken, bool pooled = true)
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(produce);
        var blob = container.GetBlockBlobClient(blobName);
        var blocks = Channel.CreateBounded<(byte[] Buffer, int Length)>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        var ids = new List<string>();
        var upload = Task.Run(() => StageAllAsync(blob, blocks.Reader, ids, pooled, cancellationToken), cancellationToken);
        long produced;
        try
        {
            produced = await produce(blocks.Writer);
        }
        finally
        {
            blocks.Writer.TryComplete();
        }

        await upload;
        await blob.CommitBlockListAsync(ids, cancellationToken: cancellationToken);
        return produced;
    }

    /// <summary>Every byte of <paramref name="source"/> into staged blocks, then committed. Returns the bytes written.</summary>
    public static Task<long> CopyAsync(BlobContainerClient container, string blobName, Stream source, CancellationToken cancellationToken) =>
        WriteAsync(container, blobName, async blocks =>
        {
            long total = 0;
            while (true)
            {
                var buffer = ArrayPool<byte>.Shared.Rent(BlockSize);
                var filled = await FillAsync(source, buffer, cancellationToken);
                if (filled == 0)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return total;
                }

                total += filled;
                await blocks.WriteAsync((buffer, filled), cancellationToken);
            }
        }, cancellationToken);

    private static async Task StageAllAsync(
        BlockBlobClient blob, ChannelReader<(byte[] Buffer, int Length)> blocks, List<string> ids, bool pooled, CancellationToken cancellationToken)
    {
        await foreach (var (buffer, length) in blocks.ReadAllAsync(cancellationToken))
        {
            var id = Convert.ToBase64String(Encoding.ASCII.GetBytes("block-" + ids.Count.ToString("D6", CultureInfo.InvariantCulture)));
            using (var content = new MemoryStream(buffer, 0, length, writable: false))
            {
                await blob.StageBlockAsync(id, content, cancellationToken: cancellationToken);
            }

            ids.Add(id);
            if (pooled)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static async Task<int> FillAsync(Stream source, byte[] buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        int read;
        while (filled < BlockSize && (read = await source.ReadAsync(buffer.AsMemory(filled, BlockSize - filled), cancellationToken)) > 0)
        {
            filled += read;
        }

        return filled;
    }
}
