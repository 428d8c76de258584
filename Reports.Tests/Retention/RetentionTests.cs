using System.Net;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Reports.Core.Generation;
using Reports.Core.Retention;
using Reports.Tests.Integration;

namespace Reports.Tests.Retention;

[Collection(IntegrationGroup.Name)]
public sealed class RetentionTests(Infrastructure infrastructure)
{
    [Fact]
    public async Task Cleanup_deletes_expired_files_and_orphans_and_leaves_live_files_alone()
    {
        var system = await infrastructure.SystemAsync();
        using var client = await system.CreateClientAsync();
        var request = new { type = "orders", parameters = new { from = "2024-01-01", to = "2024-01-03" } };
        var expiring = (await ReportsClient.CreateAsync(client, request)).GetProperty("id").GetString()!;
        var live = (await ReportsClient.CreateAsync(client, request)).GetProperty("id").GetString()!;
        var kept = await ReportsClient.WaitForFinalAsync(client, live, TimeSpan.FromMinutes(2));
        await ReportsClient.WaitForFinalAsync(client, expiring, TimeSpan.FromMinutes(2));
        Assert.True(kept.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddDays(6), "kept 7 days by default");

        await using var database = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString);
        await using (var backdate = database.CreateCommand("UPDATE reports.jobs SET expires_at = now() - interval '1 minute' WHERE id = $1"))
        {
            backdate.Parameters.AddWithValue(Guid.Parse(expiring));
            await backdate.ExecuteNonQueryAsync();
        }

        var container = new BlobServiceClient(infrastructure.BlobConnectionString).GetBlobContainerClient("reports");
        var orphan = $"{Guid.NewGuid():N}.csv";
        await container.UploadBlobAsync(orphan, BinaryData.FromString("no job has this file"));
        var staged = $"{Guid.NewGuid():N}.csv";
        await container.GetBlockBlobClient(staged).StageBlockAsync(Convert.ToBase64String("p0000-b0000000"u8.ToArray()), new MemoryStream([1, 2, 3]));

        var cleaner = new RetentionCleaner(database, system.WorkerServices.GetRequiredService<IReportFiles>(),
            new BlobServiceClient(infrastructure.BlobConnectionString), Options.Create(new RetentionOptions { OrphanGrace = TimeSpan.Zero }),
            TimeProvider.System, NullLogger<RetentionCleaner>.Instance);
        var expired = await cleaner.ExpireDueAsync(CancellationToken.None);
        await cleaner.RemoveOrphansAsync(CancellationToken.None);

        Assert.True(expired >= 1);
        var names = new List<string>();
        await foreach (var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.Uncommitted, prefix: null, CancellationToken.None))
        {
            names.Add(blob.Name);
        }

        Assert.DoesNotContain($"{Guid.Parse(expiring):N}.csv", names);
        Assert.DoesNotContain(orphan, names);
        Assert.DoesNotContain(staged, names);
        Assert.Contains($"{Guid.Parse(live):N}.csv", names);

        var expiredReport = await ReportsClient.WaitForFinalAsync(client, expiring, TimeSpan.FromSeconds(10));
        Assert.Equal("expired", expiredReport.GetProperty("status").GetString());
        using var gone = await client.GetAsync(new Uri($"/api/reports/{expiring}/download", UriKind.Relative));
        using var stillThere = await client.GetAsync(new Uri($"/api/reports/{live}/download", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, stillThere.StatusCode);
    }

    [Fact]
    public void Retention_is_chosen_by_owner_then_report_type_then_the_default()
    {
        var options = new RetentionOptions
        {
            Default = TimeSpan.FromDays(7),
            ReportTypes = { ["orders"] = TimeSpan.FromDays(30) },
            Owners = { ["finance"] = TimeSpan.FromDays(365) },
        };

        Assert.Equal(TimeSpan.FromDays(365), options.For("finance", "orders"));
        Assert.Equal(TimeSpan.FromDays(30), options.For("sales", "orders"));
        Assert.Equal(TimeSpan.FromDays(7), options.For("sales", "daily-sales"));
    }
}
