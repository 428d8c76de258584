using System.Globalization;
using System.Text;
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

    public async Task StageBlockAsync(string fileName, int partition, int sequence, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        using var stream = new ReadOnlyMemoryStream(content);
        await Blob(fileName).StageBlockAsync(BlockId(partition, sequence), stream, cancellationToken: cancellationToken);
    }

    public async Task CommitAsync(string fileName, int partition, int blockCount, string contentType, string downloadName, CancellationToken cancellationToken)
    {
        var blocks = Enumerable.Range(0, blockCount).Select(i => BlockId(partition, i)).ToList();
        await Blob(fileName).CommitBlockListAsync(blocks, new CommitBlockListOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = contentType, ContentDisposition = ContentDisposition(downloadName) },
        }, cancellationToken);
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
        };
        return blob.GenerateSasUri(sas);
    }

    public async Task DeleteAsync(string fileName, CancellationToken cancellationToken) =>
        await Blob(fileName).DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken);

    /// <summary>Block ids must all have the same length within a blob: fixed-width partition and sequence numbers.</summary>
    internal static string BlockId(int partition, int sequence) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"p{partition:D4}-b{sequence:D7}")));

    private static string ContentDisposition(string downloadName) =>
        $"attachment; filename=\"{downloadName.Replace("\"", "", StringComparison.Ordinal)}\"";

    private BlockBlobClient Blob(string fileName) => container.GetBlockBlobClient(fileName);
}
