namespace Reports.Core.Generation;

/// <summary>
/// Where report files go: a file is written as numbered blocks that stay invisible until committed in order, so a
/// crashed attempt leaves no partial file and a resumed one re-uses the blocks already staged.
/// </summary>
public interface IReportFiles
{
    Task StageBlockAsync(string fileName, int partition, int sequence, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    Task CommitAsync(string fileName, int partition, int blockCount, string contentType, string downloadName, CancellationToken cancellationToken);

    /// <summary>
    /// Writes a whole file of one block in one call: visible complete or not at all, like a commit, so a file that fits
    /// in its first block needs neither a staged block nor a commit.
    /// </summary>
    Task UploadAsync(string fileName, ReadOnlyMemory<byte> content, string contentType, string downloadName, CancellationToken cancellationToken);

    /// <summary>Reads a committed file from the start (to hash a resumed file, and in tests).</summary>
    Task<Stream> OpenReadAsync(string fileName, CancellationToken cancellationToken);

    /// <summary>A read-only URL that expires, whose response names the file for download.</summary>
    Uri GetDownloadUri(string fileName, string downloadName, DateTimeOffset expiresAt);

    Task DeleteAsync(string fileName, CancellationToken cancellationToken);
}
