namespace Reports.Core.Generation;

/// <summary>A run of whole rows (CSV, JSON Lines) in a block buffer, given back to its <see cref="BlockBuffers"/> on dispose.</summary>
public sealed class FormattedBlock(byte[] buffer, int length, BlockBuffers owner) : IDisposable
{
    private byte[]? _buffer = buffer;

    public int Length { get; } = length;

    public ReadOnlyMemory<byte> Memory =>
        _buffer is { } b ? b.AsMemory(0, Length) : throw new ObjectDisposedException(nameof(FormattedBlock));

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } b)
        {
            owner.Return(b);
        }
    }
}
