using System.Globalization;
using Azure.Storage.Blobs;
using Npgsql;
using Reports.Bench.Harness;
using Reports.Bench.Scenarios;
using Reports.Core;
using Reports.Tests.Integration;

namespace Reports.Tests.Bench;

/// <summary>
/// Benchmark scenario 1b's floor on a few hundred orders: the mariadb client's batch output of the orders-mariadb query,
/// against the collection's MariaDB copy of the dataset and Azurite.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class MariaDbClientFloorTests(Infrastructure infrastructure)
{
    [Fact]
    public async Task ToBlob_StagesOneLineAnOrder_InTheReportsKeysetOrder()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var (floor, container, sql, ids) = await ArrangeAsync(timeout.Token);

        var bytes = await floor.ToBlobAsync(sql, "floor.tsv", timeout.Token);

        var text = (await container.GetBlobClient("floor.tsv").DownloadContentAsync(timeout.Token)).Value.Content.ToString();
        Assert.Equal(bytes, System.Text.Encoding.UTF8.GetByteCount(text));
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, line => Assert.Equal(8, line.Split('\t').Length));
        Assert.Equal(ids, lines.Select(line => long.Parse(line.Split('\t')[0], CultureInfo.InvariantCulture)));
        Assert.Equal(bytes, await floor.ToNullAsync(sql, timeout.Token));
    }

    [Fact]
    public async Task ToNull_Throws_WithTheClientsError_WhenTheQueryFails()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var (floor, _, _, _) = await ArrangeAsync(timeout.Token);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => floor.ToNullAsync("SELECT * FROM sales.no_such_table", timeout.Token));

        Assert.Contains("no_such_table", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The floor on the reader account, a container of its own, the query over about 300 orders and their ids in keyset order.</summary>
    private async Task<(MariaDbClientFloor Floor, BlobContainerClient Container, string Sql, List<long> Ids)> ArrangeAsync(CancellationToken cancellationToken)
    {
        var system = await infrastructure.SystemAsync();
        var container = new BlobServiceClient(infrastructure.BlobConnectionString).GetBlobContainerClient("floor-" + Guid.NewGuid().ToString("N")[..12]);
        await container.CreateAsync(cancellationToken: cancellationToken);
        await using var postgres = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString);
        var (to, rows) = await SalesData.RangeForAsync(postgres, 300, cancellationToken);
        await using var select = postgres.CreateCommand("SELECT id FROM sales.orders WHERE ordered_at >= @from AND ordered_at < @to ORDER BY ordered_at, id");
        select.Parameters.AddWithValue("from", SalesData.Start);
        select.Parameters.AddWithValue("to", SalesData.End(to));
        var ids = new List<long>();
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                ids.Add(reader.GetInt64(0));
            }
        }

        Assert.Equal(rows, ids.Count);
        var floor = new MariaDbClientFloor(system.SalesMariaDb[$"ConnectionStrings:{ResourceNames.SalesMariaDb}"], container);
        return (floor, container, MariaDbClientFloor.Sql(SalesData.Start, SalesData.End(to)), ids);
    }
}
