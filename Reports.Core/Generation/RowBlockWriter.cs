using System.Buffers.Text;
using System.Buffers;
using System.Text;
using Reports.Core.Catalog;

namespace Reports.Core.Generation;

/// <summary>
/// Formats report rows straight into a block buffer, as UTF-8, and cuts it into blocks of about
/// <see cref="TargetBlockSize"/> bytes, always at a row boundary. The formats that resume block by block (CSV, JSON Lines)
/// share this: the generator reads a page, hands each cell to the writer once, in column order, and stages full blocks.
/// </summary>
public abstract class RowBlockWriter : ICellWriter, IDisposable
{
    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly BlockBuffers _buffers;
    private byte[] _buffer;
    private int _length;

    protected RowBlockWriter(int targetBlockSize, BlockBuffers buffers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(targetBlockSize, 1024);
        ArgumentNullException.ThrowIfNull(buffers);
        ArgumentOutOfRangeException.ThrowIfLessThan(buffers.BufferSize, targetBlockSize + (targetBlockSize / 8), nameof(buffers));
        TargetBlockSize = targetBlockSize;
        _buffers = buffers;
        _buffer = buffers.Rent();
    }

    public int TargetBlockSize { get; }

    /// <summary>Bytes formatted since the last block was taken.</summary>
    public int Length => _length;

    /// <summary>True when the rows written so far fill a block; check after <see cref="EndRow"/>.</summary>
    public bool IsBlockFull => _length >= TargetBlockSize;

    /// <summary>What the file starts with, before its first row (CSV: the column names; JSON Lines: nothing).</summary>
    public abstract void WriteHeader(IReadOnlyList<ReportColumn> columns);

    /// <summary>A text cell from a string (a key column, read whole for the cursor); null is an SQL NULL.</summary>
    public void WriteText(string? value)
    {
        if (value is null)
        {
            WriteNull();
            return;
        }

        var rented = ArrayPool<byte>.Shared.Rent(Utf8.GetMaxByteCount(value.Length));
        try
        {
            WriteText(rented.AsSpan(0, Utf8.GetBytes(value, rented)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public abstract void WriteText(ReadOnlySpan<byte> utf8);

    /// <summary>Integers as their digits, in CSV and JSON alike.</summary>
    public void WriteInt64(long value)
    {
        BeginCell();
        Advance(Utf8Formatter.TryFormat(value, Reserve(20), out var written), written);
    }

    /// <summary>The decimal's own digits and scale (<c>12.30</c>): never an exponent, never through a double.</summary>
    public void WriteDecimal(decimal value)
    {
        BeginCell();
        Advance(Utf8Formatter.TryFormat(value, Reserve(32), out var written), written);
    }

    public abstract void WriteDate(DateOnly value);

    public abstract void WriteTimestampUtc(DateTime value);

    public abstract void WriteNull();

    public abstract void EndRow();

    /// <summary>What the format writes before a row's next cell (a separator, a key).</summary>
    protected abstract void BeginCell();

    /// <summary>
    /// Hands over the formatted bytes as a block in its buffer; the caller disposes it once uploaded.
    /// The writer starts a fresh buffer.
    /// </summary>
    public FormattedBlock TakeBlock()
    {
        var block = new FormattedBlock(_buffer, _length, _buffers);
        _buffer = _buffers.Rent();
        _length = 0;
        return block;
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing && _buffer.Length > 0)
        {
            _buffers.Return(_buffer);
            _buffer = [];
        }
    }

    protected void Append(byte value)
    {
        Reserve(1);
        _buffer[_length++] = value;
    }

    protected void Append(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(Reserve(bytes.Length));
        _length += bytes.Length;
    }

    /// <summary>Counts <paramref name="written"/> bytes formatted into <see cref="Reserve"/>'s span.</summary>
    protected void Advance(bool succeeded, int written)
    {
        if (!succeeded)
        {
            throw new InvalidOperationException("A value did not fit its reserved width.");
        }

        _length += written;
    }

    /// <summary>Room for at least <paramref name="count"/> more bytes, at the end of what is formatted.</summary>
    protected Span<byte> Reserve(int count)
    {
        if (_length + count > _buffer.Length)
        {
            // A row longer than the room left: only such a block gets a larger buffer, which the GC takes back.
            var larger = new byte[Math.Max(_buffer.Length * 2, _length + count)];
            _buffer.AsSpan(0, _length).CopyTo(larger);
            _buffers.Return(_buffer);
            _buffer = larger;
        }

        return _buffer.AsSpan(_length);
    }
}
