using Reports.Tests.Integration;

namespace Reports.Tests.Engine;

[Collection(FaultGroup.Name)]
public sealed class OutboxTests(FaultSystem system)
{
    [Fact]
    public async Task With_redis_stopped_a_report_is_still_accepted_and_runs_when_redis_returns()
    {
        using var client = await system.CreateClientAsync();
        await using var worker = await system.StartWorkerAsync("outbox-" + Guid.NewGuid().ToString("N")[..6]);
        await system.Infrastructure.StopRedisAsync();
        string id;
        try
        {
            var created = await ReportsClient.CreateAsync(client, new { type = "orders", parameters = new { from = "2024-03-01", to = "2024-03-02" } });
            id = created.GetProperty("id").GetString()!;
            Assert.Equal("queued", created.GetProperty("status").GetString());

            await using var outbox = system.Database.CreateCommand("SELECT count(*) FROM reports.outbox WHERE job_id = $1");
            outbox.Parameters.AddWithValue(Guid.Parse(id));
            Assert.Equal(1L, await outbox.ExecuteScalarAsync());
        }
        finally
        {
            await system.Infrastructure.StartRedisAsync();
        }

        var done = await ReportsClient.WaitForFinalAsync(client, id, TimeSpan.FromMinutes(2));
        Assert.True(done.GetProperty("status").GetString() == "succeeded", done.ToString());
        Assert.Equal(1, done.GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task After_redis_loses_all_its_data_queued_reports_are_published_again_and_run()
    {
        using var client = await system.CreateClientAsync();
        var id = (await ReportsClient.CreateAsync(client, new { type = "orders", parameters = new { from = "2024-04-01", to = "2024-04-02" } }))
            .GetProperty("id").GetString()!;
        await using (var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(system.Infrastructure.RedisConnectionString + ",allowAdmin=true"))
        {
            await redis.GetServers()[0].FlushAllDatabasesAsync();
        }

        await using var worker = await system.StartWorkerAsync("after-flush-" + Guid.NewGuid().ToString("N")[..6]);
        var done = await ReportsClient.WaitForFinalAsync(client, id, TimeSpan.FromMinutes(2));

        Assert.True(done.GetProperty("status").GetString() == "succeeded", done.ToString());
        Assert.Equal(1, done.GetProperty("attempts").GetInt32());
    }
}
