using System.Globalization;
using Microsoft.Extensions.Logging;
using MySqlConnector;
using Npgsql;

namespace Reports.Core.Dataset;

/// <summary>
/// Copies the seeded <c>sales</c> schema from PostgreSQL into a MariaDB database (named <c>sales</c> too, so
/// <c>sales.orders</c> reads the same in both), row for row: same names, exact decimals, timestamps in UTC with their
/// microseconds, text compared by code point (see <see cref="Collation"/>), and the same keyset indexes. Rows stream from
/// one PostgreSQL snapshot in bounded id ranges, each loaded with LOAD DATA LOCAL INFILE (MySqlBulkCopy).
/// </summary>
public sealed class MariaDbSalesCopy(NpgsqlDataSource postgres, MySqlDataSource mariaDb, ILogger<MariaDbSalesCopy> logger)
{
    /// <summary>The copy's layout: a copy made by another version is made again.</summary>
    public const int Version = 1;

    /// <summary>
    /// Code point order without padding, as PostgreSQL's text in a C.UTF-8 database (the local cluster's initdb locale):
    /// an ORDER BY on a text key gives the same rows in the same order (utf8mb4_bin would ignore trailing spaces).
    /// </summary>
    public const string Collation = "utf8mb4_nopad_bin";

    private const int BatchRows = 50_000;
    private const string LockName = "reports.sales_copy";

    private static readonly (string Name, string Columns, string Key)[] Tables =
    [
        ("fx_rates", "currency, eur", "currency"),
        ("customers", "id, name, email, country, created_at", "id"),
        ("orders", "id, customer_id, ordered_at, country, status, items, currency, amount", "id"),
    ];

    /// <summary>Copies the dataset unless the copy of exactly the PostgreSQL dataset is in place. Returns true when it copied.</summary>
    public async Task<bool> EnsureAsync(CancellationToken cancellationToken)
    {
        await using var source = await postgres.OpenConnectionAsync(cancellationToken);
        // One snapshot: every batch reads the dataset the marker names, even if a reseed commits meanwhile.
        await using var snapshot = await source.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var dataset = await ReadSourceDatasetAsync(source, snapshot, cancellationToken);

        await using var target = await mariaDb.OpenConnectionAsync(cancellationToken);
        // Serialise copiers: a second one waits, then sees the copy in place.
        if (Convert.ToInt32(await ScalarAsync(target, $"SELECT GET_LOCK('{LockName}', 600)", cancellationToken), CultureInfo.InvariantCulture) != 1)
        {
            throw new TimeoutException("Another copy of the sales dataset into MariaDB held its lock for 10 minutes.");
        }

        try
        {
            await ExecuteAsync(target, MariaDbSalesSchema.Marker, cancellationToken);
            if (await IsCopiedAsync(target, dataset, cancellationToken))
            {
                return false;
            }

            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            // The marker goes first and comes back last: a copy cut short is made again.
            await ExecuteAsync(target, "DELETE FROM dataset", cancellationToken);
            await ExecuteAsync(target, MariaDbSalesSchema.Tables, cancellationToken);
            foreach (var (name, columns, key) in Tables)
            {
                await CopyTableAsync(source, snapshot, target, name, columns, key, cancellationToken);
            }

            await ExecuteAsync(target, "ANALYZE TABLE customers, orders", cancellationToken);
            await using (var mark = new MySqlCommand(
                "INSERT INTO dataset (orders, seed, version, copy_version) VALUES (@orders, @seed, @version, @copyVersion)", target))
            {
                mark.Parameters.AddWithValue("@orders", dataset.Orders);
                mark.Parameters.AddWithValue("@seed", dataset.Seed);
                mark.Parameters.AddWithValue("@version", dataset.Version);
                mark.Parameters.AddWithValue("@copyVersion", Version);
                await mark.ExecuteNonQueryAsync(cancellationToken);
            }

            logger.LogInformation("Copied the sales dataset ({Orders} orders, seed {Seed}) into MariaDB in {Seconds:0.0} s",
                dataset.Orders, dataset.Seed, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
            return true;
        }
        finally
        {
            await ExecuteAsync(target, $"DO RELEASE_LOCK('{LockName}')", CancellationToken.None);
        }
    }

    private sealed record SourceDataset(long Orders, int Seed, int Version);

    private static async Task<SourceDataset> ReadSourceDatasetAsync(NpgsqlConnection source, NpgsqlTransaction snapshot, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT orders, seed, version FROM sales.dataset", source, snapshot);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new SourceDataset(reader.GetInt64(0), reader.GetInt32(1), reader.GetInt32(2))
            : throw new InvalidOperationException("PostgreSQL holds no sales dataset: seed it (migrate) before copying it into MariaDB.");
    }

    private static async Task<bool> IsCopiedAsync(MySqlConnection target, SourceDataset dataset, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand("SELECT orders, seed, version, copy_version FROM dataset", target);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            && new SourceDataset(reader.GetInt64(0), reader.GetInt32(1), reader.GetInt32(2)) == dataset
            && reader.GetInt32(3) == Version;
    }

    /// <summary>Streams the table in key ranges of at most <see cref="BatchRows"/> rows: each range is one LOAD DATA.</summary>
    private async Task CopyTableAsync(
        NpgsqlConnection source, NpgsqlTransaction snapshot, MySqlConnection target, string table, string columns, string key, CancellationToken cancellationToken)
    {
        object? after = null;
        long rows = 0;
        while (true)
        {
            var where = after is null ? "" : $"WHERE {key} > @after";
            await using var select = new NpgsqlCommand($"SELECT {columns} FROM sales.{table} {where} ORDER BY {key} LIMIT {BatchRows}", source, snapshot);
            if (after is not null)
            {
                select.Parameters.AddWithValue("after", after);
            }

            MySqlBulkCopyResult result;
            await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
            {
                var bulkCopy = new MySqlBulkCopy(target) { DestinationTableName = table, BulkCopyTimeout = 0 };
                result = await bulkCopy.WriteToServerAsync(reader, cancellationToken);
            }

            if (result.Warnings.Count > 0)
            {
                // A value MariaDB changed on the way in (truncated, rounded): the copy would not be equal.
                throw new InvalidOperationException($"Copying sales.{table} into MariaDB changed values: {result.Warnings[0].Message}");
            }

            rows += result.RowsInserted;
            if (result.RowsInserted < BatchRows)
            {
                break;
            }

            // Rows go in in key order into an empty table: the largest key there is the last one copied.
            after = await ScalarAsync(target, $"SELECT MAX({key}) FROM {table}", cancellationToken);
        }

        logger.LogDebug("Copied {Rows} rows of sales.{Table} into MariaDB", rows, table);
    }

    private static async Task<object?> ScalarAsync(MySqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand(sql, connection) { CommandTimeout = 0 };
        return await command.ExecuteScalarAsync(cancellationToken);
    }

    private static async Task ExecuteAsync(MySqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
