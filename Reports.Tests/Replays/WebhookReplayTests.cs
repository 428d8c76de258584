using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Reports.Tests.Engine;
using Reports.Tests.Integration;
using Reports.Tests.Webhooks;

namespace Reports.Tests.Replays;

/// <summary>A webhook endpoint down for longer than the retry window, then up: a bulk replay delivers each event once, under its own id.</summary>
[Collection(FaultGroup.Name)]
public sealed class WebhookReplayTests(FaultSystem system)
{
    private const string Path = "/api/admin/webhook-deliveries/replays";

    private static readonly Dictionary<string, string> ShortRetryWindow = new(FaultSystem.SlowWorker)
    {
        ["Reports:Catalog:Diagnostics"] = "true",
        ["Reports:Webhooks:AllowLoopback"] = "true",
        ["Reports:Webhooks:RetryBaseDelay"] = "00:00:00.200",
        ["Reports:Webhooks:RetryPeriod"] = "00:00:02",
        ["Reports:Webhooks:PollInterval"] = "00:00:00.100",
        ["Reports:Replay:JobsPerSecond"] = "5",
        ["Reports:Replay:BatchSize"] = "2",
        ["Reports:Replay:PollInterval"] = "00:00:00.200",
    };

    [Fact]
    public async Task Deliveries_that_gave_up_while_the_endpoint_was_down_are_each_delivered_once_with_their_ids_after_a_bulk_replay()
    {
        using var client = await system.CreateClientAsync();
        using var admin = system.CreateAdminClient();
        var port = Reports.LocalServers.FreePort.Next(); // nothing listens there yet: the endpoint is down
        var url = $"http://127.0.0.1:{port}/hooks/reports";
        await using var worker = await system.StartWorkerAsync("hooks-" + Guid.NewGuid().ToString("N")[..6], ShortRetryWindow);
        var reports = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            reports.Add((await ReportsClient.CreateAsync(client, new { type = "noop", webhookUrl = url })).GetProperty("id").GetString()!);
        }

        var gaveUp = new Dictionary<string, string>();
        foreach (var report in reports)
        {
            var delivery = await Deliveries.WaitForOutcomeAsync(client, report, TimeSpan.FromMinutes(2));
            Assert.Equal("failed", delivery.GetProperty("status").GetString());
            Assert.Equal("connection_refused", delivery.GetProperty("lastErrorCode").GetString());
            Assert.True(delivery.GetProperty("attempts").GetInt32() >= 2, delivery.ToString()); // retried within its window first
            gaveUp[report] = delivery.GetProperty("id").GetString()!;
        }

        var filter = new { url, host = "127.0.0.1" };
        var preview = await (await admin.PostAsJsonAsync(new Uri(Path + "/preview", UriKind.Relative), filter)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(12, preview.GetProperty("count").GetInt32());
        Assert.All(preview.GetProperty("sample").EnumerateArray(), d => Assert.Contains(d.GetProperty("id").GetString(), gaveUp.Values));

        await using var receiver = await WebhookReceiver.StartOnAsync(port); // the endpoint is back
        var replay = await DeadLetters.StartAsync(admin, Path, filter);
        var done = await DeadLetters.WaitAsync(admin, replay, r => r.Status() == "completed", "the webhook replay completes");
        Assert.Equal((12, 12, 0, 0), (done.Count("selected"), done.Count("replayed"), done.Count("skipped"), done.Count("failed")));
        foreach (var report in reports)
        {
            var delivery = await Deliveries.WaitForOutcomeAsync(client, report, TimeSpan.FromMinutes(2));
            Assert.Equal("succeeded", delivery.GetProperty("status").GetString());
            Assert.Equal(gaveUp[report], delivery.GetProperty("id").GetString());
            Assert.Equal(1, delivery.GetProperty("replays").GetInt32());
        }

        // Each event once, under the id it had before, freshly signed with the owner's secret.
        var secret = (await client.GetFromJsonAsync<JsonElement>("/api/account/webhook-secret")).GetProperty("secret").GetString()!;
        Assert.Equal(gaveUp.Values.Order(), receiver.Received.Select(r => r.Header("Reports-Delivery")).Order());
        Assert.All(receiver.Received, r => Assert.True(SignatureRecipe.Verify(r.Header("Reports-Signature"), r.Body, secret, TimeSpan.FromMinutes(5))));
        Assert.All(receiver.Received, r => Assert.Equal(gaveUp.Single(g => g.Value == r.Header("Reports-Delivery")).Key,
            JsonDocument.Parse(r.Body).RootElement.GetProperty("id").GetString()));

        // Replaying again sends nothing: there is nothing left that gave up.
        using var again = await admin.PostAsJsonAsync(new Uri(Path, UriKind.Relative), filter);
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);
        using var one = await client.PostAsync(new Uri($"/api/reports/{reports[0]}/webhook-deliveries/replay", UriKind.Relative), null);
        Assert.Equal(0, (await one.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("replayed").GetInt32());
        Assert.Equal(12, receiver.Received.Count);
    }

    [Fact]
    public async Task One_reports_deliveries_that_gave_up_are_replayed_by_its_owner_and_another_owner_gets_404()
    {
        using var client = await system.CreateClientAsync();
        using var mallory = await system.CreateClientAsync();
        var port = Reports.LocalServers.FreePort.Next();
        await using var worker = await system.StartWorkerAsync("hooks-" + Guid.NewGuid().ToString("N")[..6], ShortRetryWindow);
        var report = (await ReportsClient.CreateAsync(client, new { type = "noop", webhookUrl = $"http://127.0.0.1:{port}/hooks/reports" }))
            .GetProperty("id").GetString()!;
        var failed = await Deliveries.WaitForOutcomeAsync(client, report, TimeSpan.FromMinutes(2));
        Assert.Equal("failed", failed.GetProperty("status").GetString());

        using var theirs = await mallory.PostAsync(new Uri($"/api/reports/{report}/webhook-deliveries/replay", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);
        await using var receiver = await WebhookReceiver.StartOnAsync(port);
        using var replay = await client.PostAsync(new Uri($"/api/reports/{report}/webhook-deliveries/replay", UriKind.Relative), null);
        Assert.Equal(1, (await replay.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("replayed").GetInt32());

        var delivered = await Deliveries.WaitForOutcomeAsync(client, report, TimeSpan.FromMinutes(2));
        Assert.Equal("succeeded", delivered.GetProperty("status").GetString());
        Assert.Equal(failed.GetProperty("id").GetString(), Assert.Single(receiver.Received).Header("Reports-Delivery"));
    }
}
