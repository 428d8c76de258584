using System.IO.Compression;

namespace Reports.Core.Generation;

/// <summary>
/// Compresses a CSV block into one gzip member in a block buffer. The output depends only on the input (no timestamp
/// in the header), so a resumed job's blocks are byte-identical to an uninterrupted run's.
/// </summary>
internal static class GzipBlocks
{
    public static FormattedBlock Compress(FormattedBlock plain, BlockBuffers buffers)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        using (plain)
        {
            // Incompressible data grows by a few bytes per 16 KiB deflate block, plus the gzip header and trailer.
            var capacity = plain.Length + (plain.Length / 256) + 1024;
            var buffer = capacity <= buffers.BufferSize ? buffers.Rent() : new byte[capacity];
            try
            {
                var output = new FixedBufferStream(buffer);
                using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
                {
                    gzip.Write(plain.Memory.Span);
                }

                return new FormattedBlock(buffer, output.Written, buffers);
            }
            catch
            {
                buffers.Return(buffer);
                throw;
            }
        }
    }

    /// <summary>A write-only stream over a caller's array, so compression allocates nothing per block.</summary>
    private sealed class FixedBufferStream(byte[] buffer) : Stream
    {
        public int Written { get; private set; }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => Written;

        public override long Position
        {
            get => Written;
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer1, int offset, int count) => Write(buffer1.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> source)
        {
            source.CopyTo(buffer.AsSpan(Written));
            Written += source.Length;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer1, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
