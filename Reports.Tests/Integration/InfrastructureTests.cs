using Npgsql;
using Reports.LocalServers;

namespace Reports.Tests.Integration;

[Collection(IntegrationGroup.Name)]
public sealed class InfrastructureTests(Infrastructure infrastructure)
{
    [Fact]
    public async Task Postgres_runs_the_reports_database_on_loopback()
    {
        await using var connection = new NpgsqlConnection(infrastructure.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT current_database()", connection);

        Assert.Equal(Infrastructure.Database, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Redis_answers_ping_with_append_only_and_noeviction()
    {
        var port = int.Parse(infrastructure.RedisConnectionString.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var server = new RedisServer(null!, port);

        Assert.True(await server.PingAsync(timeout.Token));
    }
}
