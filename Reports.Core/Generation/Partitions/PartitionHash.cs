using System.Buffers;
using System.Security.Cryptography;

namespace Reports.Core.Generation.Partitions;

/// <summary>
/// The SHA-256 of a file whose partitions (key ranges of a CSV, segments of a PDF) the job's worker draws several at a
/// time, in file order, without reading back from storage what this worker drew. The partition next in file order may
/// be hashed live, block by block as it is staged (<see cref="StartLive"/>); one drawn ahead of it waits in a temporary
/// file (a PDF segment's own file, or a CSV partition's copy) until every partition before it is in. From the first
/// partition not drawn here (another worker drew it, or a claim resumed it) on, or once the files on disk for it pass
/// <c>maxWaitingBytes</c>, the hash gives up waiting and the rest is read back after the commit (<see cref="ReadBackFrom"/>);
/// a live partition that fails halfway, or a file that cannot be read, leaves the whole file to be read back. What the
/// job's worker writes after the last partition (a PDF's tail) comes in as one partition more. Safe to use from every
/// lane at once.
/// </summary>
/// <param name="maxWaitingBytes">Most bytes on disk for partitions waiting for the ones ahead of them (a lane stuck behind a
/// slow query, say), counting copies still being written: past it the hash gives up waiting.</param>
internal sealed class PartitionHash(long maxWaitingBytes = PartitionHash.MaxWaitingBytes) : IDisposable
{
    /// <summary>Under the large object heap's threshold (85,000 bytes): a pooled buffer there would stay on the LOH for good.</summary>
    private const int ReadSize = 64 * 1024;

    public const long MaxWaitingBytes = 256L * 1024 * 1024;
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Lock _lock = new();
    private readonly Dictionary<int, int> _drawing = []; // by partition: lanes drawing it here (a lane may take over another's stalled claim)
    private readonly Dictionary<int, long> _copying = []; // by partition: bytes of copies being written, counted against the budget
    private readonly SortedDictionary<int, FileStream> _waiting = [];
    private int _next;
    private int? _live;
    private long _liveBytes;
    private long _hashed;
    private long _waitingBytes;
    private bool _broken;

    /// <summary>The hash of the file's first bytes, up to <see cref="ReadBackFrom"/>.</summary>
    public IncrementalHash Hash => _sha;

    /// <summary>Whether the hash gave up waiting: a partition drawn now is read back anyway, so copying it is no use.</summary>
    public bool GaveUp
    {
        get
        {
            lock (_lock)
            {
                return _broken;
            }
        }
    }

    /// <summary>This worker has started to draw partition <paramref name="number"/> into a file of its own.</summary>
    public void Drawing(int number)
    {
        lock (_lock)
        {
            _drawing[number] = _drawing.GetValueOrDefault(number) + 1;
        }
    }

    /// <summary>
    /// Whether partition <paramref name="number"/>, which this worker starts to draw from its start, is hashed live: it
    /// is next in file order, and no other partition is hashed live. Then its bytes go to <see cref="AppendLive"/>, and it
    /// ends with <see cref="LiveDone"/> or <see cref="LiveFailed"/>.
    /// </summary>
    public bool StartLive(int number)
    {
        lock (_lock)
        {
            if (_broken || _live is not null || number != _next || _waiting.ContainsKey(number))
            {
                return false;
            }

            (_live, _liveBytes) = (number, 0);
            _drawing[number] = _drawing.GetValueOrDefault(number) + 1;
            return true;
        }
    }

    /// <summary>The next bytes of the live partition <paramref name="number"/>, in order.</summary>
    public void AppendLive(int number, ReadOnlySpan<byte> bytes)
    {
        lock (_lock)
        {
            // Even once the hash gave up on the files waiting: the live partition is next in file order whatever happens to them.
            if (_live == number)
            {
                _sha.AppendData(bytes);
                _liveBytes += bytes.Length;
            }
        }
    }

    /// <summary>The live partition <paramref name="number"/> is drawn whole: the partitions waiting behind it follow.</summary>
    public void LiveDone(int number)
    {
        lock (_lock)
        {
            if (!EndLive(number))
            {
                return;
            }

            _hashed += _liveBytes;
            _next++;
            Advance();
        }
    }

    /// <summary>The live partition <paramref name="number"/> was not drawn whole: part of it is in the hash, so the file is read back whole.</summary>
    public void LiveFailed(int number)
    {
        lock (_lock)
        {
            if (EndLive(number))
            {
                Restart();
            }
        }
    }

    /// <summary>Ends the live partition when it is <paramref name="number"/> (not when a restart ended it already).</summary>
    private bool EndLive(int number)
    {
        if (_live != number)
        {
            return false;
        }

        _live = null;
        NoLongerDrawing(number);
        return true;
    }

    /// <summary>
    /// Counts <paramref name="bytes"/> more of a copy of partition <paramref name="number"/> being written to disk; false
    /// when the hash has given up, or the copy would take the files on disk past the budget (then it gives up).
    /// </summary>
    public bool Copying(int number, long bytes)
    {
        lock (_lock)
        {
            if (_broken)
            {
                return false;
            }

            _copying[number] = _copying.GetValueOrDefault(number) + bytes;
            _waitingBytes += bytes;
            if (_waitingBytes > maxWaitingBytes)
            {
                Break();
                return false;
            }

            return true;
        }
    }

    /// <summary>Partition <paramref name="number"/> is drawn whole into <paramref name="file"/>, which this now owns (and disposes).</summary>
    public void Drawn(int number, FileStream file)
    {
        ArgumentNullException.ThrowIfNull(file);
        lock (_lock)
        {
            NoLongerDrawing(number);
            var counted = Uncount(number);
            // Drawn again here while its live drawing goes on (a takeover of a stalled claim): that one is in the hash already.
            if (_broken || number < _next || number == _live || !_waiting.TryAdd(number, file))
            {
                file.Dispose();
                return;
            }

            _waitingBytes += file.Length - counted;
            Advance();
        }
    }

    /// <summary>Partition <paramref name="number"/> was not drawn whole here into its file (failed, lost to another worker, or its copy dropped).</summary>
    public void NotDrawn(int number)
    {
        lock (_lock)
        {
            NoLongerDrawing(number);
            _waitingBytes -= Uncount(number);
            Advance();
        }
    }

    /// <summary>Where the file must be read back from to finish the hash; null when every one of <paramref name="partitions"/> is in it.</summary>
    public long? ReadBackFrom(int partitions)
    {
        lock (_lock)
        {
            return _next == partitions ? null : _hashed;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            Break();
        }

        _sha.Dispose();
    }

    /// <summary>Hashes the partitions that are next in file order; gives up waiting once the next is neither waiting nor drawn here.</summary>
    private void Advance()
    {
        while (!_broken && _waiting.Remove(_next, out var file))
        {
            using (file)
            {
                _waitingBytes -= file.Length;
                if (!TryAppend(file))
                {
                    Restart();
                    return;
                }
            }

            _next++;
        }

        if (_waiting.Count > 0 && (!_drawing.ContainsKey(_next) || _waitingBytes > maxWaitingBytes))
        {
            // Another worker draws the next partition (or drew it), or too much waits for it: the rest is read back.
            Break();
        }
    }

    private void NoLongerDrawing(int number)
    {
        if (_drawing.TryGetValue(number, out var lanes) && lanes > 1)
        {
            _drawing[number] = lanes - 1;
        }
        else
        {
            _drawing.Remove(number);
        }
    }

    private long Uncount(int number) => _copying.Remove(number, out var bytes) ? bytes : 0;

    /// <summary>Adds the file to the hash; false when it could not be read whole (then part of it may be in the hash).</summary>
    private bool TryAppend(FileStream file)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ReadSize);
        try
        {
            long offset = 0;
            int read;
            while ((read = RandomAccess.Read(file.SafeFileHandle, buffer.AsSpan(0, ReadSize), offset)) > 0)
            {
                _sha.AppendData(buffer, 0, read);
                offset += read;
            }

            _hashed += offset;
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Part of a partition may be in the hash: it starts again empty, for the whole file to be read back.</summary>
    private void Restart()
    {
        _live = null;
        _sha.GetHashAndReset();
        _hashed = 0;
        Break();
    }

    private void Break()
    {
        _broken = true;
        foreach (var file in _waiting.Values)
        {
            file.Dispose();
        }

        _waiting.Clear();
        _copying.Clear();
        _waitingBytes = 0;
    }
}
