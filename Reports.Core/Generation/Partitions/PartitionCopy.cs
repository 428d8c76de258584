namespace Reports.Core.Generation.Partitions;

/// <summary>
/// Where a CSV partition's bytes go for <see cref="PartitionHash"/> as they are staged: straight into the hash when the
/// partition is next in file order (live), else into a temporary file that waits for its turn (counted against the
/// hash's budget of bytes on disk). Best effort: a copy past the budget, or one the local disk refuses (full, say),
/// only means the hash reads the partition back from storage after the commit, never that the partition fails.
/// </summary>
internal sealed class PartitionCopy : IAsyncDisposable
{
    private readonly PartitionHash _hash;
    private readonly int _number;
    private bool _live;
    private FileStream? _file;

    private PartitionCopy(PartitionHash hash, int number, bool live, FileStream? file) => (_hash, _number, _live, _file) = (hash, number, live, file);

    /// <summary>
    /// Where the claimed partition's bytes go for <paramref name="hash"/>; none without a hash, when the partition resumes
    /// (its first bytes were staged before), or when the hash has given up waiting.
    /// </summary>
    public static PartitionCopy? Start(PartitionHash? hash, PartitionClaim claim)
    {
        ArgumentNullException.ThrowIfNull(claim);
        if (hash is null || claim.Partition.Progress.Blocks > 0 || hash.GaveUp)
        {
            return null;
        }

        if (hash.StartLive(claim.Number))
        {
            return new PartitionCopy(hash, claim.Number, live: true, file: null);
        }

        FileStream file;
        try
        {
            // Unbuffered: nothing is left to flush (or to fail flushing) once the last block is written.
            file = TemporaryFiles.Create("partition", "part", bufferSize: 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        hash.Drawing(claim.Number);
        return new PartitionCopy(hash, claim.Number, live: false, file);
    }

    public async Task WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        if (_live)
        {
            _hash.AppendLive(_number, bytes.Span);
            return;
        }

        if (_file is null)
        {
            return;
        }

        if (!_hash.Copying(_number, bytes.Length))
        {
            await DropAsync();
            return;
        }

        try
        {
            await _file.WriteAsync(bytes, cancellationToken);
        }
        catch (IOException)
        {
            await DropAsync();
        }
    }

    /// <summary>The partition is recorded done: it is in the hash (live), or its copy goes to the hash, which owns it from here on.</summary>
    public void Done()
    {
        if (_live)
        {
            _live = false;
            _hash.LiveDone(_number);
        }
        else if (_file is { } file)
        {
            _file = null;
            _hash.Drawn(_number, file);
        }
    }

    /// <summary>Not done (the partition failed, or its copy did): the hash reads the partition back instead.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_live)
        {
            _live = false;
            _hash.LiveFailed(_number);
        }

        await DropAsync();
    }

    private async ValueTask DropAsync()
    {
        if (_file is not { } file)
        {
            return;
        }

        _file = null;
        _hash.NotDrawn(_number);
        try
        {
            await file.DisposeAsync();
        }
        catch (IOException)
        {
            // Unbuffered, so there is nothing to lose: the file is unlinked already.
        }
    }
}
