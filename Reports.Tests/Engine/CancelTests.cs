using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Reports.Tests.Integration;

namespace Reports.Tests.Engine;

[Collection(FaultGroup.Name)]
public sealed class CancelTests(FaultSystem system)
{
    [Fact]
    public async Task A_queued_report_is_cancelled_at_once_and_never_runs()
    {
        using var client = await system.CreateClientAsync();
        var id = (await ReportsClient.CreateAsync(client, new { type = "orders", parameters = new { from = "2024-01-01", to = "2024-01-31" } }))
            .GetProperty("id").GetString()!;

        var cancelled = await CancelAsync(client, id);
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());

        // A worker that now reads the job's message must drop it.
        await using var worker = await system.StartWorkerAsync("after-cancel-" + Guid.NewGuid().ToString("N")[..6]);
        var probe = (await ReportsClient.CreateAsync(client, new { type = "orders", parameters = new { from = "2024-02-01", to = "2024-02-02" } }))
            .GetProperty("id").GetString()!;
        await ReportsClient.WaitForFinalAsync(client, probe, TimeSpan.FromMinutes(2));
        Assert.Equal("cancelled", await system.JobValueAsync<string>(id, "status"));
        Assert.Equal(0, await system.JobValueAsync<int>(id, "attempt"));

        using var again = await client.PostAsync(new Uri($"/api/reports/{id}/cancel", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Theory]
    [InlineData("csv")]
    [InlineData("pdf")]
    [InlineData("csv", "orders-mariadb")]
    public async Task A_running_report_stops_at_its_next_page_and_leaves_no_blocks_behind(string format, string type = "orders")
    {
        using var client = await system.CreateClientAsync();
        await using var worker = await system.StartWorkerAsync("cancel-running-" + Guid.NewGuid().ToString("N")[..6]);
        var id = (await ReportsClient.CreateAsync(client, new { type, format, parameters = new { from = "2021-01-01", to = "2025-12-31" } }))
            .GetProperty("id").GetString()!;
        var container = new BlobServiceClient(system.Infrastructure.BlobConnectionString).GetBlobContainerClient("reports");
        var blobName = $"{Guid.Parse(id):N}.{format}";
        await FaultSystem.EventuallyAsync(async () => await AnyBlobAsync(container, blobName), "blocks are staged");

        var cancelling = await CancelAsync(client, id);
        Assert.Equal("cancelling", cancelling.GetProperty("status").GetString());
        var final = await ReportsClient.WaitForFinalAsync(client, id, TimeSpan.FromMinutes(2));

        Assert.Equal("cancelled", final.GetProperty("status").GetString());
        // The worker confirms the cancel (the status above), then deletes what it staged: moments later, nothing is left.
        await FaultSystem.EventuallyAsync(async () => !await AnyBlobAsync(container, blobName), "the cancelled report's staged blocks are deleted");
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(await AnyBlobAsync(container, blobName), "a late block brought the cancelled report's blob back");
    }

    private static async Task<bool> AnyBlobAsync(BlobContainerClient container, string blobName)
    {
        await foreach (var _ in container.GetBlobsAsync(BlobTraits.None, BlobStates.Uncommitted, blobName, CancellationToken.None))
        {
            return true;
        }

        return false;
    }

    private static async Task<JsonElement> CancelAsync(HttpClient client, string id)
    {
        using var response = await client.PostAsync(new Uri($"/api/reports/{id}/cancel", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
