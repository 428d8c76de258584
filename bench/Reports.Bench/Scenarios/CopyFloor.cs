using System.Buffers;
using System.Text;
using Azure.Storage.Blobs;
using Npgsql;

namespace Reports.Bench.Scenarios;

/// <summary>
/// The floor of a CSV export on this machine (ENVIRONMENT.md): PostgreSQL formats the same query's rows itself with
/// <c>COPY … TO STDOUT</c>, and the bytes go untouched into 4 MiB staged blocks, staged while the next block is read.
/// Nothing can be faster with these servers; also the two halves alone (COPY into a null sink, upload of as many bytes).
/// </summary>
internal sealed class CopyFloor(NpgsqlDataSource database, BlobContainerClient container)
{
    /// <summary>The orders report's query (catalog/orders.yaml) with its filters bound, in keyset order.</summary>
    public static string CopySql(DateTime from, DateTime to) => $"""
        COPY (
          SELECT o.id, o.ordered_at, c.name, o.country, o.status, o.items, o.currency, o.amount
          FROM sales.orders AS o JOIN sales.customers AS c ON c.id = o.customer_id
          WHERE o.ordered_at >= '{from:yyyy-MM-dd HH:mm:ss}+00' AND o.ordered_at < '{to:yyyy-MM-dd HH:mm:ss}+00'
          ORDER BY o.ordered_at, o.id
        ) TO STDOUT (FORMAT csv, HEADER)
        """;

    /// <summary>COPY piped into staged blocks, then the block list committed. Returns the bytes written.</summary>
    public Task<long> CopyToBlobAsync(string sql, string blobName, CancellationToken cancellationToken) =>
        StagedBlocks.WriteAsync(container, blobName, async blocks =>
        {
            // Npgsql hands a text COPY out only as a TextReader (raw byte copies must be binary), so the floor pays one
            // UTF-8 → UTF-16 → UTF-8 round trip in the client: it is a little slower than a byte pipe would be.
            await using var connection = await database.OpenConnectionAsync(cancellationToken);
            using var copy = await connection.BeginTextExportAsync(sql, cancellationToken);
            var chars = new char[256 * 1024];
            var encoder = new UTF8Encoding(false).GetEncoder();
            var buffer = ArrayPool<byte>.Shared.Rent(StagedBlocks.BlockSize);
            var filled = 0;
            long total = 0;
            int read;
            while ((read = await copy.ReadAsync(chars, cancellationToken)) > 0)
            {
                if (filled + (read * 3) > StagedBlocks.BlockSize)
                {
                    total += filled;
                    await blocks.WriteAsync((buffer, filled), cancellationToken);
                    buffer = ArrayPool<byte>.Shared.Rent(StagedBlocks.BlockSize);
                    filled = 0;
                }

                filled += encoder.GetBytes(chars, 0, read, buffer, filled, flush: false);
            }

            filled += encoder.GetBytes([], 0, 0, buffer, filled, flush: true);
            total += filled;
            await blocks.WriteAsync((buffer, filled), cancellationToken);
            return total;
        }, cancellationToken);

    /// <summary>COPY alone, its text dropped: the database's share of the floor. Returns the characters read.</summary>
    public async Task<long> CopyToNullAsync(string sql, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        using var copy = await connection.BeginTextExportAsync(sql, cancellationToken);
        var chars = new char[256 * 1024];
        long total = 0;
        int read;
        while ((read = await copy.ReadAsync(chars, cancellationToken)) > 0)
        {
            total += read;
        }

        return total;
    }

    /// <summary>The upload alone: <paramref name="bytes"/> of CSV-like text as staged 4 MiB blocks (two in flight) and a commit.</summary>
    public Task UploadOnlyAsync(long bytes, string blobName, CancellationToken cancellationToken)
    {
        var payload = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("1234567,2024-05-01 12:34:56+00,José Müller,DE,completed,3,EUR,123.45\n", StagedBlocks.BlockSize / 64 + 1)));
        return StagedBlocks.WriteAsync(container, blobName, async blocks =>
        {
            for (long left = bytes; left > 0; left -= StagedBlocks.BlockSize)
            {
                await blocks.WriteAsync((payload, (int)Math.Min(left, StagedBlocks.BlockSize)), cancellationToken);
            }

            return bytes;
        }, cancellationToken, pooled: false);
    }
}
