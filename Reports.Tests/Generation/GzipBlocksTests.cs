using System.IO.Compression;
using System.Text;
using Reports.Core.Generation;

namespace Reports.Tests.Generation;

public sealed class GzipBlocksTests
{
    private static readonly BlockBuffers Buffers = new(64 * 1024);

    [Fact]
    public void Blocks_compressed_one_by_one_concatenate_into_one_gzip_file_of_the_whole_text()
    {
        var parts = new[] { "order_id,amount\r\n", string.Concat(Enumerable.Repeat("1,2.50\r\n", 50_000)), "Zoë,\"a, b\"\r\n" };
        using var file = new MemoryStream();
        foreach (var part in parts)
        {
            using var block = GzipBlocks.Compress(Block(part), Buffers);
            file.Write(block.Memory.Span);
        }

        file.Position = 0;
        using var gunzip = new GZipStream(file, CompressionMode.Decompress);
        using var text = new StreamReader(gunzip, Encoding.UTF8);

        Assert.Equal(string.Concat(parts), text.ReadToEnd());
    }

    [Fact]
    public void The_same_block_always_compresses_to_the_same_bytes_so_a_resumed_file_is_identical()
    {
        using var first = GzipBlocks.Compress(Block("a,b\r\n1,2\r\n"), Buffers);
        using var second = GzipBlocks.Compress(Block("a,b\r\n1,2\r\n"), Buffers);

        Assert.Equal(first.Memory.ToArray(), second.Memory.ToArray());
    }

    private static FormattedBlock Block(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var buffer = bytes.Length <= Buffers.BufferSize ? Buffers.Rent() : new byte[bytes.Length];
        bytes.CopyTo(buffer, 0);
        return new FormattedBlock(buffer, bytes.Length, Buffers);
    }
}
