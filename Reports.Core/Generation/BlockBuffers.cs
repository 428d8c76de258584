using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Reports.Core.Generation;

/// <summary>
/// The buffers blocks are formatted, compressed and uploaded in, all of one size (a block plus room for the row that
/// crosses the block's end, or for gzip's overhead). A worker reserves them when it starts, one set per job slot, so
/// the memory it needs is fixed before it takes a job: a report of ten million rows uses the same buffers as one of
/// ten. Buffers go back to the free list after use; one is made only when every reserved buffer is busy.
/// </summary>
public sealed class BlockBuffers
{
    private readonly ConcurrentQueue<byte[]> _free = new();

    public BlockBuffers(int blockSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1024);
        BufferSize = blockSize + (blockSize / 8);
    }

    public BlockBuffers(IOptions<GenerationOptions> options)
        : this((options ?? throw new ArgumentNullException(nameof(options))).Value.BlockSizeBytes)
    {
    }

    public int BufferSize { get; }

    /// <summary>Buffers on the free list now.</summary>
    public int Free => _free.Count;

    /// <summary>Makes <paramref name="count"/> buffers and touches every page, so they are resident from the start.</summary>
    public void Reserve(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var buffer = GC.AllocateUninitializedArray<byte>(BufferSize);
            buffer.AsSpan().Clear();
            _free.Enqueue(buffer);
        }
    }

    public byte[] Rent() => _free.TryDequeue(out var buffer) ? buffer : GC.AllocateUninitializedArray<byte>(BufferSize);

    /// <summary>Takes a buffer back; one of another size (grown for an oversized row) is left to the GC.</summary>
    public void Return(byte[] buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (buffer.Length == BufferSize)
        {
            _free.Enqueue(buffer);
        }
    }
}
