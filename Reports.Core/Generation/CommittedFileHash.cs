using System.Security.Cryptography;

namespace Reports.Core.Generation;

/// <summary>Hashing what a committed file holds past what was hashed while it was staged (blocks other workers staged, or earlier attempts).</summary>
internal static class CommittedFileHash
{
    /// <summary>Adds the committed file's bytes from <paramref name="offset"/> on to <paramref name="sha"/>.</summary>
    public static async Task HashAsync(this IReportFiles files, string blobName, IncrementalHash sha, long offset, CancellationToken cancellationToken)
    {
        await using var stream = await files.OpenReadAsync(blobName, cancellationToken);
        stream.Seek(offset, SeekOrigin.Begin);
        var buffer = new byte[64 * 1024]; // under the large object heap's threshold: garbage there waits for a full collection
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            sha.AppendData(buffer, 0, read);
        }
    }
}
