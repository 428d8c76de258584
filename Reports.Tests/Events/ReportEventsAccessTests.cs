using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Reports.Tests.Integration;

namespace Reports.Tests.Events;

[Collection(IntegrationGroup.Name)]
public sealed class ReportEventsAccessTests(Infrastructure infrastructure)
{
    [Fact]
    public async Task Another_owner_gets_404_on_a_reports_events_exactly_like_a_missing_report()
    {
        var system = await infrastructure.SystemAsync();
        using var alice = await system.CreateClientAsync();
        using var mallory = await system.CreateClientAsync();
        var id = (await ReportsClient.CreateAsync(alice, new { type = "orders", parameters = new { from = "2024-01-01", to = "2024-01-02" } }))
            .GetProperty("id").GetString()!;

        using var theirs = await ReportStreams.OpenAsync(mallory, id);
        using var missing = await ReportStreams.OpenAsync(mallory, Guid.NewGuid().ToString());

        Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", theirs.Content.Headers.ContentType?.MediaType);
        Assert.Equal(
            (await missing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString(),
            (await theirs.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
    }

    [Fact]
    public async Task A_finished_report_streams_its_final_state_once_and_ends()
    {
        var system = await infrastructure.SystemAsync();
        using var client = await system.CreateClientAsync();
        var id = (await ReportsClient.CreateAsync(client, new { type = "orders", parameters = new { from = "2024-01-01", to = "2024-01-02" } }))
            .GetProperty("id").GetString()!;
        var status = await ReportsClient.WaitForFinalAsync(client, id, TimeSpan.FromMinutes(2));

        using var response = await ReportStreams.OpenAsync(client, id);
        using var reader = new SseReader(await response.Content.ReadAsStreamAsync());
        var only = Assert.Single(await ReportStreams.ReadToEndAsync(reader, TimeSpan.FromMinutes(1)));

        Assert.Equal(("status", "succeeded"), (only.Event, only.Status));
        var data = JsonDocument.Parse(only.Data!).RootElement;
        Assert.Equal(status.GetProperty("file").GetProperty("sha256").GetString(), data.GetProperty("file").GetProperty("sha256").GetString());
        Assert.Equal(JsonValueKind.String, data.GetProperty("file").GetProperty("download").GetProperty("url").ValueKind);
        using var again = await ReportStreams.OpenAsync(client, id, only.EventId);
        Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
    }
}
