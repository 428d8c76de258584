using System.Globalization;
using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Azure.Storage.Sas;
using Reports.Core.Generation;

namespace Reports.Core.Storage.Blobs;

/// <summary>
/// Report files as block blobs in one container: blocks staged as generated, committed at the end. Every write carries
/// the job's attempt (its fencing token): in the ids of the blocks it stages, and in the metadata of the file it commits.
/// </summary>
public sealed class BlobReportFiles(BlobContainerClient container) : IReportFiles
{
    public const string ContainerName = "reports";

    /// <summary>The metadata entry that records which attempt of the job committed the file.</summary>
    private const string AttemptMetadata = "attempt";

    public async Task EnsureContainerAsync(CancellationToken cancellationToken) =>
        await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);

    public Task StageBlockAsync(string fileName, FileBlock block, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        WriteAsync(async ct =>
        {
            using var stream = new ReadOnlyMemoryStream(content);
            await Blob(fileName).StageBlockAsync(BlockId(block), stream, cancellationToken: ct);
        }, cancellationToken);

    public Task UploadAsync(string fileName, ReadOnlyMemory<byte> content, FileWrite file, CancellationToken cancellationToken) =>
        WriteAsync(ct => FencedAsync(fileName, file.Attempt, async (conditions, c) =>
        {
            using var stream = new ReadOnlyMemoryStream(content);
            await Blob(fileName).UploadAsync(stream, new BlobUploadOptions
            {
                HttpHeaders = Headers(file.ContentType, file.DownloadName),
                Metadata = WrittenBy(file.Attempt),
                Conditions = conditions,
            }, c);
        }, ct), cancellationToken);

    /// <summary>Runs a write with transient faults retried; an empty storage gets its container back.</summary>
    private async Task WriteAsync(Func<CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        await TransientStorageFaults.Pipeline.ExecuteAsync(async ct =>
        {
            try
            {
                await write(ct);
            }
            catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.ContainerNotFound)
            {
                // Storage came up empty (or the container was deleted): recreate it and write again.
                await EnsureContainerAsync(ct);
                await write(ct);
            }
        }, cancellationToken);
    }

    public async Task<bool> HasBlocksAsync(string fileName, IReadOnlyList<FileBlock> blocks, CancellationToken cancellationToken)
    {
        try
        {
            var list = await TransientStorageFaults.Pipeline.ExecuteAsync(
                async ct => (await Blob(fileName).GetBlockListAsync(BlockListTypes.All, cancellationToken: ct)).Value, cancellationToken);
            var held = list.CommittedBlocks.Concat(list.UncommittedBlocks).Select(b => b.Name).ToHashSet(StringComparer.Ordinal);
            return blocks.All(b => held.Contains(BlockId(b)));
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return blocks.Count == 0; // no blob, or no container: no block is left
        }
    }

    public async Task CommitAsync(string fileName, IReadOnlyList<FileBlock> blocks, FileWrite file, CancellationToken cancellationToken)
    {
        var ids = blocks.Select(BlockId).ToList();
        var options = new CommitBlockListOptions { HttpHeaders = Headers(file.ContentType, file.DownloadName), Metadata = WrittenBy(file.Attempt) };
        try
        {
            await TransientStorageFaults.Pipeline.ExecuteAsync(async ct => await FencedAsync(fileName, file.Attempt, async (conditions, c) =>
            {
                options.Conditions = conditions;
                await Blob(fileName).CommitBlockListAsync(ids, options, c);
            }, ct), cancellationToken);
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.InvalidBlockList || e.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            throw new MissingBlocksException(fileName, e);
        }
    }

    /// <summary>
    /// Writes the committed file only if no newer attempt has. The first write assumes there is no file yet (a job's file
    /// is written once in the common case), so it costs one request; only when one is there does it look at which attempt
    /// wrote it, and write over it (if that was not a newer attempt) on condition that it has not changed since the look.
    /// </summary>
    private async Task FencedAsync(string fileName, int attempt, Func<BlobRequestConditions, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var conditions = new BlobRequestConditions { IfNoneMatch = ETag.All };
        for (var look = 1; ; look++)
        {
            try
            {
                await write(conditions, cancellationToken);
                return;
            }
            catch (RequestFailedException e) when (look < 5 && e.Status is 409 or 412
                                                   && (e.ErrorCode == BlobErrorCode.ConditionNotMet || e.ErrorCode == BlobErrorCode.BlobAlreadyExists))
            {
                // A file is there (an earlier attempt's, or one written between the look and the write): look at it.
            }

            try
            {
                var properties = (await Blob(fileName).GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
                var writtenBy = properties.Metadata.TryGetValue(AttemptMetadata, out var value)
                    && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : 0;
                if (writtenBy > attempt)
                {
                    throw new StaleAttemptException(fileName, attempt, writtenBy);
                }

                conditions = new BlobRequestConditions { IfMatch = properties.ETag };
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                conditions = new BlobRequestConditions { IfNoneMatch = ETag.All };
            }
        }
    }

    private static Dictionary<string, string> WrittenBy(int attempt) =>
        new(StringComparer.Ordinal) { [AttemptMetadata] = attempt.ToString(CultureInfo.InvariantCulture) };

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

    /// <summary>
    /// A block's id names the attempt that staged it and its place in the file. Ids must all have the same length within
    /// a blob: 14 characters, as the ids of blocks staged before attempts were part of them ("attempt 0"), so a file
    /// resumed from such a checkpoint can still be committed.
    /// </summary>
    internal static string BlockId(FileBlock block) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes(block.Attempt == 0
            ? string.Create(CultureInfo.InvariantCulture, $"p0000-b{block.Sequence:D7}")
            : string.Create(CultureInfo.InvariantCulture, $"{block.Attempt:x8}-{block.Sequence:x5}")));

    private static BlobHttpHeaders Headers(string contentType, string downloadName) =>
        new() { ContentType = contentType, ContentDisposition = ContentDisposition(downloadName) };

    private static string ContentDisposition(string downloadName) =>
        $"attachment; filename=\"{downloadName.Replace("\"", "", StringComparison.Ordinal)}\"";

    private BlockBlobClient Blob(string fileName) => container.GetBlockBlobClient(fileName);
}
