using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;
using Npgsql;
using Reports.Core.Sources;
using Reports.Worker;

namespace Reports.Tests.Worker;

/// <summary>A worker does not start with a source pool too small for a connection per lane of each job slot (a report, or a partition of one, each) and its health check.</summary>
public sealed class SourcePoolRoomTests
{
    private static readonly WorkerOptions ThreeSlots = new() { Queues = new() { ["reports"] = 2, ["reports-bulk"] = 1 } };

    [Fact]
    public void Three_slots_of_two_lanes_need_seven_connections_of_each_postgresql_source()
    {
        using var sales = NpgsqlDataSource.Create("Host=db.example;Maximum Pool Size=6");
        using var shop = new MySqlDataSource("Server=db.example;Maximum Pool Size=1");
        var room = Room(new ReportSource("sales", new SourceOptions(), sales), new ReportSource("shop", new SourceOptions { Kind = SourceKind.MySql }, shop));

        var result = room.Validate(null, ThreeSlots);

        // MySQL reports are read whole (one connection each): only the PostgreSQL source is short.
        Assert.True(result.Failed);
        var failure = Assert.Single(result.Failures!);
        Assert.Contains("Source 'sales' keeps at most 6 connections in this worker, but its 3 job slots each hold up to 2 while they read (Reports:Generation:LanesPerJob), and its health check one more", failure, StringComparison.Ordinal);
        Assert.Contains("Reports:Sources:sales:MaxPoolSize", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Host=db.example")] // the default pool of a source, 16
    [InlineData("Host=db.example;Maximum Pool Size=7")]
    public void A_pool_with_room_for_every_slot_passes(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        Microsoft.Extensions.Hosting.ReportSourceClients.ConfigurePostgres(builder, new SourceOptions());
        using var configured = builder.Build();

        Assert.True(Room(new ReportSource("sales", new SourceOptions(), configured)).Validate(null, ThreeSlots).Succeeded);
    }

    [Fact]
    public void One_lane_per_slot_needs_a_connection_per_slot_and_one_more()
    {
        using var sales = NpgsqlDataSource.Create("Host=db.example;Maximum Pool Size=4");
        var services = new ServiceCollection();
        services.AddSingleton(new ReportSources([new ReportSource("sales", new SourceOptions(), sales)]));
        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(new Reports.Core.Generation.GenerationOptions { LanesPerJob = 1 }));

        Assert.True(new SourcePoolRoom(services.BuildServiceProvider()).Validate(null, ThreeSlots).Succeeded);
    }

    [Fact]
    public void A_host_without_sources_has_nothing_to_check()
    {
        using var empty = new ServiceCollection().BuildServiceProvider();

        Assert.True(new SourcePoolRoom(empty).Validate(null, ThreeSlots).Skipped);
    }

    private static SourcePoolRoom Room(params ReportSource[] sources)
    {
        var services = new ServiceCollection();
        services.AddSingleton(new ReportSources(sources));
        return new(services.BuildServiceProvider());
    }
}
