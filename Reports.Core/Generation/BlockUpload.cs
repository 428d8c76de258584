using System.Security.Cryptography;
using Reports.Core.Telemetry;

namespace Reports.Core.Generation;

/// <summary>Uploads a finished local file as staged blocks of about one block size each, hashing it on the way.</summary>
internal static class BlockUpload
{
    public static async Task<UploadedBlocks> UploadAsync(
        IReportFiles files, BlockBuffers buffers, string blobName, Stream content, int blockSize, CancellationToken cancellationToken)
    {
        var buffer = blockSize <= buffers.BufferSize ? buffers.Rent() : new byte[blockSize];
        try
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var blocks = 0;
            long bytes = 0;
            while (true)
            {
                var filled = 0;
                int read;
                while (filled < blockSize && (read = await content.ReadAsync(buffer.AsMemory(filled, blockSize - filled), cancellationToken)) > 0)
                {
                    filled += read;
                }

                if (filled == 0 && blocks > 0)
                {
                    break;
                }

                var block = buffer.AsMemory(0, filled);
                using (var activity = ReportsActivities.Source.StartActivity(ReportsActivities.Block))
                {
                    activity?.SetTag(ReportsActivities.BlockTag, blocks);
                    activity?.SetTag(ReportsActivities.BytesTag, filled);
                    ReportsMetrics.BytesWritten.Add(filled);
                    await files.StageBlockAsync(blobName, 0, blocks, block, cancellationToken);
                }

                sha.AppendData(block.Span);
                blocks++;
                bytes += filled;
                if (filled < blockSize)
                {
                    break;
                }
            }

            return new UploadedBlocks(blocks, bytes, Convert.ToHexStringLower(sha.GetHashAndReset()));
        }
        finally
        {
            buffers.Return(buffer);
        }
    }
}

internal sealed record UploadedBlocks(int Blocks, long Bytes, string Sha256);
