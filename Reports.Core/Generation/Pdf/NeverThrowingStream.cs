namespace Reports.Core.Generation.Pdf;

/// <summary>
/// The stream Skia writes a PDF into. Skia calls it from native code, where a .NET exception would kill the process,
/// so no member throws: the first write error is kept in <see cref="Error"/>, later writes are dropped, and the
/// generator throws it once the document is closed. Skia asks for <see cref="Position"/> (bytes written) too.
/// </summary>
internal sealed class NeverThrowingStream(Stream inner) : Stream
{
    private long _written;

    public Exception? Error { get; private set; }

    public override bool CanRead => false;
    public override bool CanSeek => true;
    public override bool CanWrite => true;
    public override long Length => _written;

    public override long Position
    {
        get => _written;
        set
        {
            // Skia only appends; a request to move is recorded as an error rather than thrown.
            if (value != _written)
            {
                Error ??= new NotSupportedException("The PDF writer tried to seek.");
            }
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (Error is not null)
        {
            return;
        }

        try
        {
            inner.Write(buffer);
            _written += buffer.Length;
        }
        catch (Exception e)
        {
            Error = e;
        }
    }

    public override void Flush()
    {
        if (Error is not null)
        {
            return;
        }

        try
        {
            inner.Flush();
        }
        catch (Exception e)
        {
            Error = e;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => 0;

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _written + offset,
            _ => _written + offset,
        };
        return _written;
    }

    public override void SetLength(long value) => Error ??= new NotSupportedException("The PDF writer tried to set the length.");
}
