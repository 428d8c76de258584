using System.Buffers;
using System.Security.Cryptography;

namespace Reports.Core.Generation.Partitions;

/// <summary>
/// The SHA-256 of a file whose partitions (key ranges of a CSV, partitions of a PDF) the job's worker draws several at a
/// time: each partition drawn here from its start is written to a temporary file beside its staged blocks, and added
/// from it once every partition before it is in (one finished early waits on disk, not in memory), so none of them is
/// read back from storage. From the first partition not drawn here (another worker drew it, or a claim resumed it) on,
/// the file is read back after the commit (<see cref="ReadBackFrom"/>). What the job's worker writes after the last
/// partition (a PDF's tail) comes in as one partition more. Safe to use from every lane at once.
/// </summary>
/// <param name="maxWaitingBytes">Most bytes of finished partitions waiting on disk for the ones ahead of them (a lane stuck
/// behind a slow query, say): past it the hash gives up waiting and the rest is read back from storage.</param>
internal sealed class PartitionHash(long maxWaitingBytes = PartitionHash.MaxWaitingBytes) : IDisposable
{
    private const int ReadSize = 1 << 20;

    public const long MaxWaitingBytes = 256L * 1024 * 1024;
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Lock _lock = new();
    private readonly Dictionary<int, int> _drawing = []; // by partition: lanes drawing it here (a lane may take over another's stalled claim)
    private readonly SortedDictionary<int, FileStream> _waiting = [];
    private int _next;
    private long _hashed;
    private long _waitingBytes;
    private bool _broken;

    /// <summary>The hash of the file's first bytes, up to <see cref="ReadBackFrom"/>.</summary>
    public IncrementalHash Hash => _sha;

    /// <summary>This worker has started to draw partition <paramref name="number"/>.</summary>
    public void Drawing(int number)
    {
        lock (_lock)
        {
            _drawing[number] = _drawing.GetValueOrDefault(number) + 1;
        }
    }

    /// <summary>Partition <paramref name="number"/> is drawn whole into <paramref name="file"/>, which this now owns (and disposes).</summary>
    public void Drawn(int number, FileStream file)
    {
        ArgumentNullException.ThrowIfNull(file);
        lock (_lock)
        {
            NoLongerDrawing(number);
            if (_broken || number < _next || !_waiting.TryAdd(number, file))
            {
                file.Dispose();
                return;
            }

            _waitingBytes += file.Length;
            Advance();
        }
    }

    /// <summary>Partition <paramref name="number"/> was not drawn whole here (failed, or lost to another worker).</summary>
    public void NotDrawn(int number)
    {
        lock (_lock)
        {
            NoLongerDrawing(number);
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
                Append(file);
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

    private void Append(FileStream file)
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
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Break()
    {
        _broken = true;
        foreach (var file in _waiting.Values)
        {
            file.Dispose();
        }

        _waiting.Clear();
        _waitingBytes = 0;
    }
}
