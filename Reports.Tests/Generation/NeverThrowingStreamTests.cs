using Reports.Core.Generation.Pdf;

namespace Reports.Tests.Generation;

public sealed class NeverThrowingStreamTests
{
    [Fact]
    public void A_failing_file_is_recorded_not_thrown_into_native_code()
    {
        var inner = new MemoryStream();
        var stream = new NeverThrowingStream(inner);
        stream.Write([1, 2, 3]);
        inner.Dispose();

        stream.Write([4, 5]);
        stream.Flush();
        stream.Position = 0;

        Assert.IsType<ObjectDisposedException>(stream.Error);
        Assert.Equal(3, stream.Position);
    }

    [Fact]
    public void Position_counts_the_bytes_written()
    {
        using var inner = new MemoryStream();
        var stream = new NeverThrowingStream(inner);

        stream.Write(new byte[1000]);

        Assert.Equal(1000, stream.Position);
        Assert.Null(stream.Error);
    }
}
