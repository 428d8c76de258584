using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Reports.Core.Jobs;
using Reports.Core.Storage;
using Reports.Tests.Integration;

namespace Reports.Tests.Engine;

[Collection(FaultGroup.Name)]
public sealed class StorageFaultTests(FaultSystem system)
{
    private static readonly object FullRange = new { type = "orders", format = "csv", parameters = new { from = "2021-01-01", to = "2025-12-31" } };

    [Fact]
    public async Task A_storage_outage_during_a_report_is_retried_and_the_report_succeeds()
    {
        using var client = await system.CreateClientAsync();
        await using var worker = await system.StartWorkerAsync("storage-fault-" + Guid.NewGuid().ToString("N")[..6]);
        var id = (await ReportsClient.CreateAsync(client, new { type = "orders", parameters = new { from = "2021-01-01", to = "2025-12-31" } }))
            .GetProperty("id").GetString()!;
        await FaultSystem.EventuallyAsync(async () => await system.JobValueAsync<string>(id, "checkpoint") is not null, "blocks are staged");

        await system.Infrastructure.StopBlobsAsync();
        try
        {
            // Give the worker time to run into the outage: wait until its progress stops moving.
            var rows = await system.JobValueAsync<long>(id, "rows_written");
            await FaultSystem.EventuallyAsync(async () =>
            {
                var before = rows;
                await Task.Delay(500);
                rows = await system.JobValueAsync<long>(id, "rows_written");
                return rows == before;
            }, "the worker is stuck on the outage");
        }
        finally
        {
            await system.Infrastructure.StartBlobsAsync();
        }

        var done = await ReportsClient.WaitForFinalAsync(client, id, TimeSpan.FromMinutes(3));
        Assert.True(done.GetProperty("status").GetString() == "succeeded", done.ToString());
        Assert.Equal(done.GetProperty("file").GetProperty("sha256").GetString(), await FaultSystem.DownloadHashAsync(client, id));
    }

    [Fact]
    public async Task A_report_whose_staged_blocks_storage_lost_while_it_ran_starts_again_and_its_file_is_byte_identical()
    {
        using var client = await system.CreateClientAsync();
        await using var worker = await system.StartWorkerAsync("storage-wipe-" + Guid.NewGuid().ToString("N")[..6]);
        var id = (await ReportsClient.CreateAsync(client, FullRange)).GetProperty("id").GetString()!;
        await FaultSystem.EventuallyAsync(async () => await system.StagedBlocksAsync(id) >= 5, "the worker has staged 5 blocks");

        // Storage comes back empty under the running report: the blocks it staged so far are gone.
        await system.Infrastructure.WipeBlobsAsync();

        var done = await ReportsClient.WaitForFinalAsync(client, id, TimeSpan.FromMinutes(4));
        Assert.True(done.GetProperty("status").GetString() == "succeeded", done.ToString());
        await AssertSameFileAsUninterruptedAsync(client, id, done);
    }

    [Fact]
    public async Task A_report_resumed_after_storage_came_back_empty_starts_again_and_its_file_is_byte_identical()
    {
        using var client = await system.CreateClientAsync();
        var id = await system.KillWorkerMidReportAsync(client, FullRange, "before-wipe-");

        // The checkpoint counts blocks that storage no longer has when the next attempt resumes.
        await system.Infrastructure.WipeBlobsAsync();
        Assert.True(await system.StagedBlocksAsync(id) >= 5);

        await using var rescuer = await system.StartWorkerAsync("after-wipe-" + Guid.NewGuid().ToString("N")[..6]);
        var done = await ReportsClient.WaitForFinalAsync(client, id, TimeSpan.FromMinutes(4));
        Assert.True(done.GetProperty("status").GetString() == "succeeded", done.ToString());
        await AssertSameFileAsUninterruptedAsync(client, id, done);
    }

    /// <summary>The report's stored hash is its file's, and both are those of the same report run without faults.</summary>
    private async Task AssertSameFileAsUninterruptedAsync(HttpClient client, string id, JsonElement done)
    {
        var sha256 = done.GetProperty("file").GetProperty("sha256").GetString();
        Assert.Equal(sha256, await FaultSystem.DownloadHashAsync(client, id));
        await using var worker = await system.StartWorkerAsync("reference-" + Guid.NewGuid().ToString("N")[..6]);
        var referenceId = (await ReportsClient.CreateAsync(client, FullRange)).GetProperty("id").GetString()!;
        var reference = await ReportsClient.WaitForFinalAsync(client, referenceId, TimeSpan.FromMinutes(3));
        Assert.Equal(reference.GetProperty("file").GetProperty("sha256").GetString(), sha256);
    }

    [Fact]
    public async Task A_report_that_failed_for_good_is_a_dead_letter_and_a_replay_succeeds()
    {
        using var client = system.CreateAdminClient();
        var store = new JobStore(system.Database, TimeProvider.System);
        var created = await store.CreateAsync(OrdersJobs.New("dead-letter-", "reports", maxAttempts: 1, from: "2024-05-01", to: "2024-05-03"), CancellationToken.None);
        var id = created.Job.Id.ToString();

        await system.Infrastructure.StopBlobsAsync();
        try
        {
            await using var worker = await system.StartWorkerAsync("dead-letter-" + Guid.NewGuid().ToString("N")[..6]);
            var failed = await ReportsClient.WaitForFinalAsync(client, id, TimeSpan.FromMinutes(3));
            Assert.Equal("failed", failed.GetProperty("status").GetString());
            Assert.Equal("attempts_exhausted", failed.GetProperty("error").GetProperty("code").GetString());
            AssertSafe(failed.GetProperty("error").GetProperty("message").GetString());
            Assert.Contains("blob storage", failed.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            await system.Infrastructure.StartBlobsAsync();
        }

        var deadLetters = await client.GetFromJsonAsync<JsonElement>("/api/admin/dead-letters?limit=500");
        var deadLetter = deadLetters.GetProperty("items").EnumerateArray().Single(r => r.GetProperty("id").GetString() == id);
        AssertSafe(deadLetter.GetProperty("error").GetProperty("message").GetString());
        var attempts = (await client.GetFromJsonAsync<JsonElement>($"/api/admin/ops/jobs/{id}")).ToString();
        AssertSafe(attempts);

        await using var rescuer = await system.StartWorkerAsync("replay-" + Guid.NewGuid().ToString("N")[..6]);
        using var replay = await client.PostAsync(new Uri($"/api/admin/reports/{id}/retry", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        var done = await ReportsClient.WaitForFinalAsync(client, id, TimeSpan.FromMinutes(2));

        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        Assert.Equal(2, done.GetProperty("attempts").GetInt32());
        Assert.Equal(JsonValueKind.Null, done.GetProperty("error").ValueKind);
    }

    /// <summary>Internal error text never reaches users: no host, port or exception type of the storage SDK.</summary>
    private void AssertSafe(string? text)
    {
        Assert.False(string.IsNullOrEmpty(text));
        var blobs = new Uri(system.Infrastructure.BlobConnectionString.Split(';').Single(p => p.StartsWith("BlobEndpoint=", StringComparison.Ordinal))["BlobEndpoint=".Length..]);
        Assert.DoesNotContain(blobs.Host, text, StringComparison.Ordinal);
        Assert.DoesNotContain(":" + blobs.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), text, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Retry failed", text, StringComparison.Ordinal);
    }
}
