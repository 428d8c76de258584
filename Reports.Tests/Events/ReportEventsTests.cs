using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Reports.Api.Features.Reports;
using Reports.Tests.Engine;
using Reports.Tests.Integration;

namespace Reports.Tests.Events;

/// <summary>
/// Live progress against real worker processes: the API runs without a worker until the test starts one, so the
/// stream is open while the report is still queued and sees every state from there.
/// </summary>
[Collection(FaultGroup.Name)]
public sealed class ReportEventsTests(FaultSystem system)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task The_stream_sends_status_and_progress_then_the_final_state_and_ends_and_resumes_after_Last_Event_ID()
    {
        using var client = await system.CreateClientAsync();
        var id = (await ReportsClient.CreateAsync(client, new { type = "orders", parameters = new { from = "2024-07-01", to = "2024-12-31" } }))
            .GetProperty("id").GetString()!;
        using var response = await ReportStreams.OpenAsync(client, id);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new SseReader(await response.Content.ReadAsStreamAsync());
        using var timeout = new CancellationTokenSource(Deadline);

        // Queued, and nothing runs it yet: the current state, then heartbeats.
        var first = await reader.ReadAsync(timeout.Token);
        Assert.Equal(("status", "queued"), (first!.Event, first.Status));
        Assert.Equal("keep-alive", (await reader.ReadAsync(timeout.Token))!.Comment);

        await using var worker = await system.StartWorkerAsync("events-" + Guid.NewGuid().ToString("N")[..6]);
        var events = new List<SseItem> { first };
        events.AddRange(await ReportStreams.ReadToEndAsync(reader, Deadline));

        Assert.True(events.Zip(events.Skip(1)).All(p => p.Second.EventId > p.First.EventId), "Event ids must increase.");
        Assert.Contains(events, e => e is { Event: "status" } && e.Status == "running");
        var progress = events.Where(e => e.Event == "progress").ToList();
        Assert.NotEmpty(progress);
        Assert.All(progress, e => Assert.Equal("running", e.Status));
        Assert.True(progress.Zip(progress.Skip(1)).All(p => p.Second.RowsWritten >= p.First.RowsWritten), "Rows written must not go back.");
        var final = events[^1];
        Assert.Equal(("status", "succeeded"), (final.Event, final.Status));
        Assert.Equal(
            (await client.GetFromJsonAsync<JsonElement>($"/api/reports/{id}")).GetProperty("progress").GetRawText(),
            JsonDocument.Parse(final.Data!).RootElement.GetProperty("progress").GetRawText());

        // Resuming after a progress event: only what changed since, which is the final state.
        using (var resumed = await ReportStreams.OpenAsync(client, id, progress[0].EventId))
        using (var resumedReader = new SseReader(await resumed.Content.ReadAsStreamAsync()))
        {
            var rest = await ReportStreams.ReadToEndAsync(resumedReader, Deadline);
            var only = Assert.Single(rest);
            Assert.Equal((final.Id, "succeeded"), (only.Id, only.Status));
        }

        // Resuming after the final state: nothing more to say, and 204 tells an EventSource not to reconnect.
        using var done = await ReportStreams.OpenAsync(client, id, final.EventId);
        Assert.Equal(HttpStatusCode.NoContent, done.StatusCode);
    }

    [Fact]
    public async Task A_client_that_leaves_leaves_no_listener_behind()
    {
        using var client = await system.CreateClientAsync();
        var hub = system.ApiServices.GetRequiredService<ReportEventHub>();
        var id = (await ReportsClient.CreateAsync(client, new { type = "orders", parameters = new { from = "2024-01-01", to = "2024-01-02" } }))
            .GetProperty("id").GetString()!;

        using (var response = await ReportStreams.OpenAsync(client, id))
        using (var reader = new SseReader(await response.Content.ReadAsStreamAsync()))
        using (var timeout = new CancellationTokenSource(Deadline))
        {
            Assert.Equal("queued", (await reader.ReadAsync(timeout.Token))!.Status);
            Assert.Equal(1, hub.ListenerCount);
        }

        await FaultSystem.EventuallyAsync(() => Task.FromResult(hub.ListenerCount == 0), "the stream's listener is removed");
        using var cancel = await client.PostAsync(new Uri($"/api/reports/{id}/cancel", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
    }
}
