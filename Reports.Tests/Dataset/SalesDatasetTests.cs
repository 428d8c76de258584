using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Reports.Core.Dataset;
using Reports.Tests.Integration;

namespace Reports.Tests.Dataset;

/// <summary>The demo dataset makes its own schema in the database it is given, whatever else that database holds.</summary>
[Collection(IntegrationGroup.Name)]
public sealed class SalesDatasetTests(Infrastructure infrastructure)
{
    [Fact]
    public async Task Two_seeders_at_once_on_an_empty_database_make_the_schema_once_and_seed_it_once()
    {
        await using var database = NpgsqlDataSource.Create(await infrastructure.CreateEmptyDatabaseAsync("sales_empty"));

        var seeded = await Task.WhenAll(
            new SalesDataset(database, NullLogger<SalesDataset>.Instance).EnsureAsync(1_000, 5, CancellationToken.None),
            new SalesDataset(database, NullLogger<SalesDataset>.Instance).EnsureAsync(1_000, 5, CancellationToken.None));

        Assert.Equal(1, seeded.Count(s => s));
        await using var count = database.CreateCommand("SELECT (SELECT count(*) FROM sales.orders), (SELECT count(*) FROM sales.fx_rates)");
        await using var reader = await count.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(1_000, reader.GetInt64(0));
        Assert.Equal(12, reader.GetInt64(1));
    }
}
