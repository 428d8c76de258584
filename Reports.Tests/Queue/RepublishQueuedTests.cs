using Npgsql;
using Reports.Core.Queue;
using Reports.Core.Storage;
using Reports.Tests.Integration;
using StackExchange.Redis;

namespace Reports.Tests.Queue;

[Collection(IntegrationGroup.Name)]
public sealed class RepublishQueuedTests(Infrastructure infrastructure)
{
    [Fact]
    public async Task Jobs_handed_back_unclaimed_go_back_on_the_outbox_and_claimed_ones_do_not()
    {
        await infrastructure.SystemAsync(); // migrated
        await using var database = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString);
        var store = new JobStore(database, TimeProvider.System);
        var queued = await CreateAsync(store);
        var claimed = await CreateAsync(store);
        Assert.NotNull(await store.ClaimAsync(claimed, "republish-worker", TimeSpan.FromMinutes(1), CancellationToken.None));

        Assert.Equal(1, await store.RepublishQueuedAsync([queued, claimed], CancellationToken.None));

        // On the outbox, or already on the stream if a relay published it meanwhile: the row written with the job and
        // the new one for the queued job, only the first for the claimed one.
        Assert.Equal(2, await OnItsWayAsync(database, queued));
        Assert.Equal(1, await OnItsWayAsync(database, claimed));
    }

    private static async Task<Guid> CreateAsync(JobStore store) =>
        (await store.CreateAsync(NoOpJobs.New("test-republish"), CancellationToken.None)).Job.Id;

    private async Task<long> OnItsWayAsync(NpgsqlDataSource database, Guid job)
    {
        await using var count = database.CreateCommand("SELECT count(*) FROM reports.outbox WHERE job_id = $1");
        count.Parameters.AddWithValue(job);
        var outbox = (long)(await count.ExecuteScalarAsync())!;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(infrastructure.RedisConnectionString);
        var entries = await redis.GetDatabase().StreamRangeAsync(QueueNames.Stream("test-republish"));
        return outbox + entries.Count(e => e["job"] == job.ToString());
    }
}
