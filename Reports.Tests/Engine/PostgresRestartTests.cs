using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Reports.Tests.Integration;

namespace Reports.Tests.Engine;

[Collection(FaultGroup.Name)]
public sealed class PostgresRestartTests(FaultSystem system)
{
    [Fact]
    public async Task While_postgres_is_down_the_api_answers_503_and_after_its_restart_accepted_reports_finish()
    {
        using var client = await system.CreateClientAsync();
        await using var worker = await system.StartWorkerAsync("pg-restart-" + Guid.NewGuid().ToString("N")[..6]);
        var id = (await ReportsClient.CreateAsync(client, new { type = "orders", parameters = new { from = "2021-01-01", to = "2025-12-31" } }))
            .GetProperty("id").GetString()!;
        await FaultSystem.EventuallyAsync(async () => await system.JobValueAsync<string>(id, "checkpoint") is not null, "blocks are staged");

        await system.Infrastructure.StopPostgresAsync();
        try
        {
            using var response = await client.GetAsync(new Uri($"/api/reports/{id}", UriKind.Relative));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.NotNull(response.Headers.RetryAfter);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("https://reports.example/problems/unavailable", problem.GetProperty("type").GetString());
        }
        finally
        {
            await system.Infrastructure.StartPostgresAsync();
            // Pooled connections of this process (the in-process API, the test's own) died with the server.
            system.ClearDatabasePools();
        }

        var done = await ReportsClient.WaitForFinalAsync(client, id, TimeSpan.FromMinutes(3));
        Assert.True(done.GetProperty("status").GetString() == "succeeded", done.ToString());
    }
}
