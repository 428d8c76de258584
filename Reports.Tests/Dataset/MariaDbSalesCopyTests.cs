using System.Data.Common;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using MySqlConnector;
using Npgsql;
using Reports.Core.Dataset;
using Reports.Tests.Integration;

namespace Reports.Tests.Dataset;

/// <summary>
/// The sales dataset copied from PostgreSQL into MariaDB: equal row for row, in the same order on text keys, copied
/// again only when the PostgreSQL dataset changed. Each test copies its own dataset into a database of its own.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class MariaDbSalesCopyTests(Infrastructure infrastructure)
{
    private const int Orders = 20_000;

    [Fact]
    public async Task The_copy_holds_every_row_and_column_of_the_PostgreSQL_dataset()
    {
        var (postgres, mariaDb) = await CopiedDatasetAsync(seed: 7);

        foreach (var (table, columns) in new[]
        {
            ("customers", "id, name, email, country, created_at"),
            ("orders", "id, customer_id, ordered_at, country, status, items, currency, amount"),
            ("fx_rates", "currency, eur"),
        })
        {
            var expected = await PostgresRowsAsync(postgres, $"SELECT {columns} FROM sales.{table} ORDER BY 1");
            var actual = await MariaDbRowsAsync(mariaDb, $"SELECT {columns} FROM {table} ORDER BY 1");

            Assert.NotEmpty(expected);
            Assert.Equal(expected.Count, actual.Count);
            for (var i = 0; i < expected.Count; i++)
            {
                Assert.True(expected[i] == actual[i], $"{table} row {i + 1}: PostgreSQL {expected[i]}, MariaDB {actual[i]}");
            }
        }
    }

    [Fact]
    public async Task An_order_by_text_and_key_columns_returns_the_rows_in_the_same_order()
    {
        var (postgres, mariaDb) = await CopiedDatasetAsync(seed: 8);

        foreach (var (table, orderBy) in new[]
        {
            ("customers", "name, id"),
            ("customers", "email DESC, id"),
            ("customers", "country, name DESC, id"),
            ("orders", "status, currency, id"),
        })
        {
            var expected = await PostgresRowsAsync(postgres, $"SELECT id FROM sales.{table} ORDER BY {orderBy}");
            var actual = await MariaDbRowsAsync(mariaDb, $"SELECT id FROM {table} ORDER BY {orderBy}");

            Assert.True(expected.SequenceEqual(actual), $"ORDER BY {orderBy} on {table} differs");
        }
    }

    [Fact]
    public async Task A_second_run_keeps_the_copy_and_a_changed_dataset_is_copied_again()
    {
        var postgres = await SeededPostgresAsync(seed: 9);
        var mariaDb = await infrastructure.MariaDb.CreateDatabaseAsync("copy_again");
        await using var source = NpgsqlDataSource.Create(postgres);
        await using var target = new MySqlDataSource(mariaDb);
        var copy = new MariaDbSalesCopy(source, target, NullLogger<MariaDbSalesCopy>.Instance);

        Assert.True(await copy.EnsureAsync(CancellationToken.None));
        var copiedAt = await MariaDbRowsAsync(mariaDb, "SELECT copied_at FROM dataset");
        Assert.False(await copy.EnsureAsync(CancellationToken.None));
        Assert.Equal(copiedAt, await MariaDbRowsAsync(mariaDb, "SELECT copied_at FROM dataset"));

        await new SalesDataset(source, NullLogger<SalesDataset>.Instance).EnsureAsync(Orders + 1_000, 9, CancellationToken.None);
        Assert.True(await copy.EnsureAsync(CancellationToken.None));
        Assert.Equal(["21000,9"], await MariaDbRowsAsync(mariaDb, "SELECT orders, seed FROM dataset"));
        Assert.Equal(["21000"], await MariaDbRowsAsync(mariaDb, "SELECT COUNT(*) FROM orders"));
    }

    private async Task<(string Postgres, string MariaDb)> CopiedDatasetAsync(int seed)
    {
        var postgres = await SeededPostgresAsync(seed);
        var mariaDb = await infrastructure.MariaDb.CreateDatabaseAsync("copy");
        await using var source = NpgsqlDataSource.Create(postgres);
        await using var target = new MySqlDataSource(mariaDb);
        Assert.True(await new MariaDbSalesCopy(source, target, NullLogger<MariaDbSalesCopy>.Instance).EnsureAsync(CancellationToken.None));
        return (postgres, mariaDb);
    }

    private async Task<string> SeededPostgresAsync(int seed)
    {
        var connectionString = await infrastructure.CreateDatabaseAsync("mariadb_copy");
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await new SalesDataset(dataSource, NullLogger<SalesDataset>.Instance).EnsureAsync(Orders, seed, CancellationToken.None);
        return connectionString;
    }

    private static async Task<List<string>> PostgresRowsAsync(string connectionString, string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        return await RowsAsync(reader);
    }

    private static async Task<List<string>> MariaDbRowsAsync(string connectionString, string sql)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        return await RowsAsync(reader);
    }

    /// <summary>
    /// Each row as text that keeps what equality must see: a timestamp's ticks and kind, a decimal's scale, a value's type.
    /// </summary>
    private static async Task<List<string>> RowsAsync(DbDataReader reader)
    {
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            var values = new string[reader.FieldCount];
            for (var i = 0; i < reader.FieldCount; i++)
            {
                values[i] = reader.GetValue(i) switch
                {
                    DateTime t => t.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
                    decimal d => d.ToString(CultureInfo.InvariantCulture),
                    int or long => Convert.ToInt64(reader.GetValue(i), CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
                    var v => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "",
                };
            }

            rows.Add(string.Join(',', values));
        }

        return rows;
    }
}
