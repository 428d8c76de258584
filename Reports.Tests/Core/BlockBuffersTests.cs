using Reports.Core.Generation;

namespace Reports.Tests.Core;

public sealed class BlockBuffersTests
{
    [Fact]
    public void Reserved_buffers_are_reused_and_one_is_made_only_when_all_are_busy()
    {
        var buffers = new BlockBuffers(64 * 1024);
        buffers.Reserve(2);

        var first = buffers.Rent();
        var second = buffers.Rent();
        Assert.Equal(0, buffers.Free);
        var third = buffers.Rent();
        Assert.Equal(buffers.BufferSize, third.Length);

        buffers.Return(first);
        buffers.Return(second);
        Assert.Same(first, buffers.Rent());
        Assert.Same(second, buffers.Rent());
    }

    [Fact]
    public void A_buffer_grown_for_an_oversized_row_is_not_kept()
    {
        var buffers = new BlockBuffers(64 * 1024);

        buffers.Return(new byte[buffers.BufferSize * 2]);

        Assert.Equal(0, buffers.Free);
    }

    [Fact]
    public void A_writer_gives_its_blocks_buffers_back_when_they_are_uploaded()
    {
        var buffers = new BlockBuffers(4096);
        buffers.Reserve(2);
        using (var writer = new CsvBlockWriter(4096, buffers))
        {
            while (!writer.IsBlockFull)
            {
                writer.WriteText("a row of text, quoted");
                writer.EndRow();
            }

            using var block = writer.TakeBlock();
            Assert.Equal(0, buffers.Free);
        }

        Assert.Equal(2, buffers.Free);
    }
}
