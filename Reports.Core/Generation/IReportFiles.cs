namespace Reports.Core.Generation;

/// <summary>
/// Where report files go: a file is written as numbered blocks that stay invisible until committed in order, so a
/// crashed attempt leaves no partial file and a resumed one re-uses the blocks already staged. Writes are fenced by the
/// job's attempt: each attempt stages under ids of its own, and a commit never replaces a newer attempt's file.
/// </summary>
public interface IReportFiles
{
    Task StageBlockAsync(string fileName, FileBlock block, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>Whether storage still holds every one of these blocks, staged or committed (a checkpoint is only worth resuming then).</summary>
    Task<bool> HasBlocksAsync(string fileName, IReadOnlyList<FileBlock> blocks, CancellationToken cancellationToken);

    /// <summary>
    /// Makes these blocks, in order, the file. Throws <see cref="StaleAttemptException"/> when a newer attempt has written
    /// the file, and <see cref="MissingBlocksException"/> when storage no longer holds one of the blocks.
    /// </summary>
    Task CommitAsync(string fileName, IReadOnlyList<FileBlock> blocks, FileWrite file, CancellationToken cancellationToken);

    /// <summary>
    /// Writes a whole file of one block in one call: visible complete or not at all, like a commit (and fenced like one),
    /// so a file that fits in its first block needs neither a staged block nor a commit.
    /// </summary>
    Task UploadAsync(string fileName, ReadOnlyMemory<byte> content, FileWrite file, CancellationToken cancellationToken);

    /// <summary>Reads a committed file from the start (to hash a resumed file, and in tests).</summary>
    Task<Stream> OpenReadAsync(string fileName, CancellationToken cancellationToken);

    /// <summary>A read-only URL that expires, whose response names the file for download.</summary>
    Uri GetDownloadUri(string fileName, string downloadName, DateTimeOffset expiresAt);

    Task DeleteAsync(string fileName, CancellationToken cancellationToken);
}
