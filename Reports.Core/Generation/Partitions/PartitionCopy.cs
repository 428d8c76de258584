namespace Reports.Core.Generation.Partitions;

/// <summary>
/// A partition's bytes kept in a temporary file as they are staged, for <see cref="PartitionHash"/> to take the file's
/// SHA-256 from in file order. Best effort: a local disk that refuses the copy (full, say) only means the hash reads
/// the partition back from storage after the commit, never that the partition fails.
/// </summary>
internal sealed class PartitionCopy : IAsyncDisposable
{
    private readonly PartitionHash _hash;
    private readonly int _number;
    private FileStream? _file;

    private PartitionCopy(PartitionHash hash, int number, FileStream file) => (_hash, _number, _file) = (hash, number, file);

    /// <summary>A copy of the claimed partition for <paramref name="hash"/>; none without a hash, or when the partition resumes (its first bytes were staged before).</summary>
    public static PartitionCopy? Start(PartitionHash? hash, PartitionClaim claim)
    {
        ArgumentNullException.ThrowIfNull(claim);
        if (hash is null || claim.Partition.Progress.Blocks > 0)
        {
            return null;
        }

        FileStream file;
        try
        {
            file = TemporaryFiles.Create("partition", "part");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        hash.Drawing(claim.Number);
        return new PartitionCopy(hash, claim.Number, file);
    }

    public async Task WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        if (_file is null)
        {
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

    /// <summary>The partition is recorded done: the copy goes to the hash, which owns it from here on.</summary>
    public async Task DoneAsync()
    {
        if (_file is null)
        {
            return;
        }

        try
        {
            await _file.FlushAsync(CancellationToken.None);
        }
        catch (IOException)
        {
            await DropAsync();
            return;
        }

        _hash.Drawn(_number, _file);
        _file = null;
    }

    /// <summary>Not handed to the hash (the partition failed, or the copy did): the hash reads the partition back instead.</summary>
    public ValueTask DisposeAsync() => DropAsync();

    private async ValueTask DropAsync()
    {
        if (_file is { } file)
        {
            _file = null;
            _hash.NotDrawn(_number);
            await file.DisposeAsync();
        }
    }
}
