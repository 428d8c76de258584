using Reports.Tests.Catalog;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Reports.Core.Queue;
using Reports.Core.Storage;
using Reports.Core.Storage.Blobs;
using Reports.Tests.Engine;
using Reports.Tests.Integration;
using Reports.Worker;
using Reports.Worker.Consuming;

namespace Reports.Tests.Worker;

/// <summary>
/// The job runner against the real servers, on a fake clock that decides when the time limit fires: an attempt whose
/// time runs out after another attempt took the job over and finished it must leave that attempt's file alone.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class StaleTimeLimitTests(Infrastructure infrastructure)
{
    [Fact]
    public async Task An_attempt_that_times_out_after_a_newer_attempt_finished_the_job_does_not_delete_its_file()
    {
        var services = (await infrastructure.SystemAsync()).WorkerServices;
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var database = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString);
        var store = new JobStore(database, clock);
        // A queue no worker serves: only this test's runner runs the job. Heartbeats far apart on the fake clock, so the
        // only thing that stops the attempt is its time limit.
        var created = await store.CreateAsync(OrdersJobs.New("stale-time-limit-", "test-stale-time-limit"), CancellationToken.None);
        var options = Options.Create(new WorkerOptions { Id = "stale-runner", Lease = TimeSpan.FromHours(3), Heartbeat = TimeSpan.FromHours(2) });
        var runner = ActivatorUtilities.CreateInstance<JobRunner>(services, store, clock, options);

        // The attempt stalls on its first query (the orders table is locked) ...
        await using var locker = await database.OpenConnectionAsync();
        await using var lockTransaction = await locker.BeginTransactionAsync();
        await using (var lockOrders = new NpgsqlCommand("LOCK TABLE sales.orders IN ACCESS EXCLUSIVE MODE", locker, lockTransaction))
        {
            await lockOrders.ExecuteNonQueryAsync();
        }

        var run = runner.RunAsync(new JobMessage("0-1", "test-stale-time-limit", created.Job.Id, null), new JobSlots(1), CancellationToken.None);
        await FaultSystem.EventuallyAsync(async () => (await store.GetAsync(created.Job.Id, null, CancellationToken.None))!.Status == "running",
            "the runner has claimed the job");

        // ... while a newer attempt takes the job over, writes its file and records it.
        var blob = new BlobServiceClient(infrastructure.BlobConnectionString)
            .GetBlobContainerClient(BlobReportFiles.ContainerName).GetBlobClient($"{created.Job.Id:N}.csv");
        await blob.UploadAsync(BinaryData.FromString("the newer attempt's file\r\n"), overwrite: true);
        await using (var takeover = database.CreateCommand("""
            UPDATE reports.jobs SET attempt = attempt + 1, lease_owner = NULL, lease_expires_at = NULL, status = 'succeeded',
                blob_name = $2, finished_at = now() WHERE id = $1
            """))
        {
            takeover.Parameters.AddWithValue(created.Job.Id);
            takeover.Parameters.AddWithValue($"{created.Job.Id:N}.csv");
            await takeover.ExecuteNonQueryAsync();
        }

        // The stalled attempt's time limit runs out.
        clock.Advance(BuiltInReports.Orders.Limits.TimeLimit + TimeSpan.FromSeconds(1));
        await run;
        await lockTransaction.RollbackAsync();

        Assert.True(await blob.ExistsAsync(), "the newer attempt's file was deleted by the stale attempt");
        Assert.Equal("the newer attempt's file\r\n", (await blob.DownloadContentAsync()).Value.Content.ToString());
        var job = await store.GetAsync(created.Job.Id, null, CancellationToken.None);
        Assert.Equal("succeeded", job!.Status);
        Assert.Equal(2, job.Attempt);
    }
}
