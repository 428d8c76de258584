using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MySqlConnector;
using Npgsql;
using Reports.Core.Generation;
using Reports.Core.Sources;
using Reports.Worker;

namespace Reports.Tests.Worker;

/// <summary>A worker does not start with a source pool too small for a connection per partition of every report it can run.</summary>
public sealed class SourcePoolRoomTests
{
    private static readonly WorkerOptions ThreeSlots = new() { Queues = new() { ["reports"] = 2, ["reports-bulk"] = 1 } };

    [Fact]
    public void Three_slots_of_two_partitions_need_seven_connections_of_each_postgresql_source()
    {
        using var sales = NpgsqlDataSource.Create("Host=db.example;Maximum Pool Size=6");
        using var shop = new MySqlDataSource("Server=db.example;Maximum Pool Size=1");
        var room = Room(readers: 2, new ReportSource("sales", new SourceOptions(), sales), new ReportSource("shop", new SourceOptions { Kind = SourceKind.MySql }, shop));

        var result = room.Validate(null, ThreeSlots);

        // MySQL reports are read whole (one connection each): only the PostgreSQL source is short.
        Assert.True(result.Failed);
        var failure = Assert.Single(result.Failures!);
        Assert.Contains("Source 'sales' keeps at most 6 connections in this worker, but 3 job slots × Reports:Generation:ReadersPerReport (2) + 1 need 7", failure, StringComparison.Ordinal);
        Assert.Contains("Reports:Sources:sales:MaxPoolSize", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2, "Host=db.example")] // the default pool of a source, 16
    [InlineData(1, "Host=db.example;Maximum Pool Size=4")]
    public void A_pool_with_room_for_every_partition_passes(int readers, string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        Microsoft.Extensions.Hosting.ReportSourceClients.ConfigurePostgres(builder, new SourceOptions());
        using var configured = builder.Build();

        Assert.True(Room(readers, new ReportSource("sales", new SourceOptions(), configured)).Validate(null, ThreeSlots).Succeeded);
    }

    [Fact]
    public void A_host_without_sources_has_nothing_to_check()
    {
        using var empty = new ServiceCollection().BuildServiceProvider();

        Assert.True(new SourcePoolRoom(empty, Options.Create(new GenerationOptions())).Validate(null, ThreeSlots).Skipped);
    }

    private static SourcePoolRoom Room(int readers, params ReportSource[] sources)
    {
        var services = new ServiceCollection();
        services.AddSingleton(new ReportSources(sources));
        return new(services.BuildServiceProvider(), Options.Create(new GenerationOptions { ReadersPerReport = readers }));
    }
}
