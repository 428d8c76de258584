using System.Globalization;
using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Azure.Storage.Sas;
using Reports.Core.Generation;

namespace Reports.Core.Storage.Blobs;

/// <summary>Report files as block blobs in one container: blocks staged as generated, committed at the end.</summary>
public sealed class BlobReportFiles(BlobContainerClient container) : IReportFiles
{
    public const string ContainerName = "reports";

    public async Task EnsureContainerAsync(CancellationToken cancellationToken) =>
        await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);

    public Task StageBlockAsync(string fileName, int partition, int sequence, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        WriteAsync(content, (stream, ct) => Blob(fileName).StageBlockAsync(BlockId(partition, sequence), stream, cancellationToken: ct), cancellationToken);

    public Task UploadAsync(string fileName, ReadOnlyMemory<byte> content, string contentType, string downloadName, CancellationToken cancellationToken) =>
        WriteAsync(content, (stream, ct) => Blob(fileName).UploadAsync(stream, new BlobUploadOptions { HttpHeaders = Headers(contentType, downloadName) }, ct),
            cancellationToken);

    /// <summary>Writes <paramref name="content"/> with transient faults retried; an empty storage gets its container back.</summary>
    private async Task WriteAsync<T>(ReadOnlyMemory<byte> content, Func<Stream, CancellationToken, Task<T>> write, CancellationToken cancellationToken)
    {
        await TransientStorageFaults.Pipeline.ExecuteAsync(async ct =>
        {
            try
            {
                using var stream = new ReadOnlyMemoryStream(content);
                await write(stream, ct);
            }
            catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.ContainerNotFound)
            {
                // Storage came up empty (or the container was deleted): recreate it and write again.
                await EnsureContainerAsync(ct);
                using var stream = new ReadOnlyMemoryStream(content);
                await write(stream, ct);
            }
        }, cancellationToken);
    }

    public async Task CommitAsync(string fileName, int partition, int blockCount, string contentType, string downloadName, CancellationToken cancellationToken)
    {
        var blocks = Enumerable.Range(0, blockCount).Select(i => BlockId(partition, i)).ToList();
        var options = new CommitBlockListOptions { HttpHeaders = Headers(contentType, downloadName) };
        await TransientStorageFaults.Pipeline.ExecuteAsync(
            async ct => await Blob(fileName).CommitBlockListAsync(blocks, options, ct), cancellationToken);
    }

    public async Task<Stream> OpenReadAsync(string fileName, CancellationToken cancellationToken) =>
        await Blob(fileName).OpenReadAsync(new BlobOpenReadOptions(allowModifications: false), cancellationToken);

    public Uri GetDownloadUri(string fileName, string downloadName, DateTimeOffset expiresAt)
    {
        var blob = Blob(fileName);
        if (!blob.CanGenerateSasUri)
        {
            throw new InvalidOperationException("The blob connection string has no account key, so it cannot sign download URLs.");
        }

        var sas = new BlobSasBuilder(BlobSasPermissions.Read, expiresAt)
        {
            BlobContainerName = container.Name,
            BlobName = fileName,
            Resource = "b",
            StartsOn = DateTimeOffset.UtcNow.AddMinutes(-5), // tolerate clock skew between us and storage
            ContentDisposition = ContentDisposition(downloadName),
            // spr=https where storage speaks it (Azure always does): the signed link is refused over plain HTTP, so it
            // cannot be used, or leak, in clear. A development emulator on http (Azurite) gets no protocol restriction,
            // since a link limited to https would not work there at all.
            Protocol = blob.Uri.Scheme == Uri.UriSchemeHttps ? SasProtocol.Https : SasProtocol.None,
        };
        return blob.GenerateSasUri(sas);
    }

    /// <summary>
    /// Deletes a file, committed or not: staged blocks of a file that was never committed are removed by committing an
    /// empty block list and deleting that, instead of lingering until storage collects them a week later.
    /// </summary>
    public async Task DeleteAsync(string fileName, CancellationToken cancellationToken)
    {
        var blob = Blob(fileName);
        if (!await blob.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken))
        {
            await blob.CommitBlockListAsync([], cancellationToken: cancellationToken);
            await blob.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken);
        }
    }

    /// <summary>Block ids must all have the same length within a blob: fixed-width partition and sequence numbers.</summary>
    internal static string BlockId(int partition, int sequence) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"p{partition:D4}-b{sequence:D7}")));

    private static BlobHttpHeaders Headers(string contentType, string downloadName) =>
        new() { ContentType = contentType, ContentDisposition = ContentDisposition(downloadName) };

    private static string ContentDisposition(string downloadName) =>
        $"attachment; filename=\"{downloadName.Replace("\"", "", StringComparison.Ordinal)}\"";

    private BlockBlobClient Blob(string fileName) => container.GetBlockBlobClient(fileName);
}
