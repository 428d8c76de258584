using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Reports.Core.Generation;

/// <summary>
/// Formats CSV rows (RFC 4180, UTF-8, invariant formats) straight into a block buffer and cuts it
/// into blocks of about <see cref="TargetBlockSize"/> bytes, always at a row boundary.
/// Text cells that a spreadsheet would run as a formula are neutralised with a leading apostrophe.
/// </summary>
public sealed class CsvBlockWriter : IDisposable
{
    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly BlockBuffers _buffers;
    private byte[] _buffer;
    private int _length;
    private bool _rowHasCells;

    public CsvBlockWriter(int targetBlockSize)
        : this(targetBlockSize, new BlockBuffers(targetBlockSize))
    {
    }

    public CsvBlockWriter(int targetBlockSize, BlockBuffers buffers)
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

    public void WriteText(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            BeginCell();
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

    /// <summary>
    /// A text cell from its UTF-8 bytes (as PostgreSQL sends them: no string is made per cell). Every byte the
    /// rules look at is ASCII, so they hold on UTF-8 as they do on characters.
    /// </summary>
    public void WriteText(ReadOnlySpan<byte> utf8)
    {
        BeginCell();
        if (utf8.IsEmpty)
        {
            return;
        }

        var neutralise = utf8[0] is (byte)'=' or (byte)'+' or (byte)'-' or (byte)'@' or (byte)'\t' or (byte)'\r';
        var quote = neutralise || utf8.IndexOfAny(",\"\r\n"u8) >= 0;
        if (!quote)
        {
            utf8.CopyTo(Reserve(utf8.Length));
            _length += utf8.Length;
            return;
        }

        Append((byte)'"');
        if (neutralise)
        {
            Append((byte)'\'');
        }

        var rest = utf8;
        while (!rest.IsEmpty)
        {
            var quoteAt = rest.IndexOf((byte)'"');
            var chunk = quoteAt < 0 ? rest : rest[..(quoteAt + 1)];
            chunk.CopyTo(Reserve(chunk.Length));
            _length += chunk.Length;
            if (quoteAt < 0)
            {
                break;
            }

            Append((byte)'"');
            rest = rest[(quoteAt + 1)..];
        }

        Append((byte)'"');
    }

    public void WriteInt64(long value)
    {
        BeginCell();
        Format(Utf8Formatter.TryFormat(value, Reserve(20), out var written), written);
    }

    public void WriteDecimal(decimal value)
    {
        BeginCell();
        Format(Utf8Formatter.TryFormat(value, Reserve(32), out var written), written);
    }

    /// <summary>A calendar date as <c>yyyy-MM-dd</c>.</summary>
    public void WriteDate(DateOnly value)
    {
        BeginCell();
        Format(value.TryFormat(Reserve(10), out var written, "yyyy-MM-dd", provider: null), written);
    }

    /// <summary>A UTC timestamp as <c>yyyy-MM-dd HH:mm:ss</c>, which spreadsheets type as a date-time.</summary>
    public void WriteTimestampUtc(DateTime value)
    {
        BeginCell();
        var utc = value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value;
        Format(utc.TryFormat(Reserve(19), out var written, "yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture), written);
    }

    public void WriteNull() => BeginCell();

    /// <summary>Ends the row with CRLF, as RFC 4180 asks.</summary>
    public void EndRow()
    {
        Reserve(2);
        _buffer[_length++] = (byte)'\r';
        _buffer[_length++] = (byte)'\n';
        _rowHasCells = false;
    }

    /// <summary>
    /// Hands over the formatted bytes as a block in its buffer; the caller disposes it once uploaded.
    /// The writer starts a fresh buffer.
    /// </summary>
    public CsvBlock TakeBlock()
    {
        var block = new CsvBlock(_buffer, _length, _buffers);
        _buffer = _buffers.Rent();
        _length = 0;
        return block;
    }

    public void Dispose()
    {
        if (_buffer.Length > 0)
        {
            _buffers.Return(_buffer);
            _buffer = [];
        }
    }

    private void BeginCell()
    {
        if (_rowHasCells)
        {
            Append((byte)',');
        }

        _rowHasCells = true;
    }

    private void Append(byte value)
    {
        Reserve(1);
        _buffer[_length++] = value;
    }

    private void Format(bool succeeded, int written)
    {
        if (!succeeded)
        {
            throw new InvalidOperationException("A value did not fit its reserved width.");
        }

        _length += written;
    }

    private Span<byte> Reserve(int count)
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
