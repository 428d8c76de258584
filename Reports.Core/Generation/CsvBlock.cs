using System.Buffers;

namespace Reports.Core.Generation;

/// <summary>A run of whole CSV rows in a pooled buffer, returned to the pool on dispose.</summary>
public sealed class CsvBlock(byte[] buffer, int length) : IDisposable
{
    private byte[]? _buffer = buffer;

    public int Length { get; } = length;

    public ReadOnlyMemory<byte> Memory =>
        _buffer is { } b ? b.AsMemory(0, Length) : throw new ObjectDisposedException(nameof(CsvBlock));

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } b)
        {
            ArrayPool<byte>.Shared.Return(b);
        }
    }
}
