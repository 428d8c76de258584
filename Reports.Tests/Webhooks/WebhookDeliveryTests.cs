using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Reports.Tests.Integration;

namespace Reports.Tests.Webhooks;

[Collection(IntegrationGroup.Name)]
public sealed class WebhookDeliveryTests(Infrastructure infrastructure)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task A_finished_report_is_posted_to_its_webhook_signed_with_the_owners_secret_as_the_README_explains()
    {
        var system = await infrastructure.SystemAsync();
        using var client = await system.CreateClientAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        var id = await CreateWithWebhookAsync(client, receiver.Url);
        var status = await ReportsClient.WaitForFinalAsync(client, id, Deadline);

        var delivery = await Deliveries.WaitForOutcomeAsync(client, id, Deadline);
        var secret = (await client.GetFromJsonAsync<JsonElement>("/api/account/webhook-secret")).GetProperty("secret").GetString()!;
        var received = Assert.Single(receiver.Received);
        Assert.Equal("application/json", received.Header("Content-Type"));
        Assert.Equal(delivery.GetProperty("id").GetString(), received.Header("Reports-Delivery"));
        Assert.Equal("report.succeeded", received.Header("Reports-Event"));
        Assert.True(SignatureRecipe.Verify(received.Header("Reports-Signature"), received.Body, secret, TimeSpan.FromMinutes(5)),
            $"Signature {received.Header("Reports-Signature")} does not verify with the owner's secret.");
        Assert.False(SignatureRecipe.Verify(received.Header("Reports-Signature"), [.. received.Body, (byte)' '], secret, TimeSpan.FromMinutes(5)));

        // The body is the status resource the API serves (its download link is signed per request, so left out here).
        var body = JsonDocument.Parse(received.Body).RootElement;
        Assert.Equal(id, body.GetProperty("id").GetString());
        Assert.Equal("succeeded", body.GetProperty("status").GetString());
        Assert.Equal(status.GetProperty("progress").GetRawText(), body.GetProperty("progress").GetRawText());
        Assert.Equal(status.GetProperty("file").GetProperty("sha256").GetString(), body.GetProperty("file").GetProperty("sha256").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("file").GetProperty("download").ValueKind);

        Assert.Equal("succeeded", delivery.GetProperty("status").GetString());
        Assert.Equal("report.succeeded", delivery.GetProperty("event").GetString());
        Assert.Equal(1, delivery.GetProperty("attempts").GetInt32());
        Assert.Equal(200, delivery.GetProperty("lastStatusCode").GetInt32());
        Assert.Equal(JsonValueKind.String, delivery.GetProperty("deliveredAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, delivery.GetProperty("nextAttemptAt").ValueKind);
    }

    [Fact]
    public async Task A_receiver_that_fails_twice_gets_the_same_delivery_a_third_time_and_three_attempts_are_recorded()
    {
        var system = await infrastructure.SystemAsync();
        using var client = await system.CreateClientAsync();
        await using var receiver = await WebhookReceiver.StartAsync(500, 500);
        var outcomes = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "reports.webhooks.deliveries")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
            outcomes.Add(tags.ToArray().FirstOrDefault(t => t.Key == "outcome").Value?.ToString() ?? ""));
        listener.Start();
        var id = await CreateWithWebhookAsync(client, receiver.Url);

        var delivery = await Deliveries.WaitForOutcomeAsync(client, id, Deadline);
        Assert.True(outcomes.Count(o => o == "retry") >= 2 && outcomes.Contains("delivered"), $"metric outcomes: {string.Join(", ", outcomes)}");

        Assert.Equal("succeeded", delivery.GetProperty("status").GetString());
        Assert.Equal(3, delivery.GetProperty("attempts").GetInt32());
        Assert.Equal(200, delivery.GetProperty("lastStatusCode").GetInt32());
        Assert.Equal(3, receiver.Received.Count);
        Assert.All(receiver.Received, r => Assert.Equal(delivery.GetProperty("id").GetString(), r.Header("Reports-Delivery")));
        var secret = (await client.GetFromJsonAsync<JsonElement>("/api/account/webhook-secret")).GetProperty("secret").GetString()!;
        Assert.All(receiver.Received, r => Assert.True(SignatureRecipe.Verify(r.Header("Reports-Signature"), r.Body, secret, TimeSpan.FromMinutes(5))));
    }

    [Fact]
    public async Task A_failed_attempt_is_recorded_with_its_status_code_while_the_delivery_waits_for_its_retry()
    {
        var system = await infrastructure.SystemAsync();
        using var client = await system.CreateClientAsync();
        await using var receiver = await WebhookReceiver.StartAsync(503, 503, 503, 503, 503, 503, 503, 503, 503, 503);
        var id = await CreateWithWebhookAsync(client, receiver.Url);

        JsonElement[] deliveries = [];
        await Deliveries.UntilAsync(() => receiver.Received.Count >= 1, "the receiver is called", Deadline);
        var until = DateTime.UtcNow + Deadline;
        while ((deliveries = await Deliveries.ListAsync(client, id)) is not [{ } d] || d.GetProperty("attempts").GetInt32() == 0)
        {
            Assert.True(DateTime.UtcNow < until, "The failed attempt was not recorded.");
            await Task.Delay(50);
        }

        var pending = Assert.Single(deliveries);
        Assert.Equal("pending", pending.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.String, pending.GetProperty("nextAttemptAt").ValueKind);
        Assert.Equal(503, pending.GetProperty("lastStatusCode").GetInt32());
        // A stable code and its fixed text: nothing of the receiver's answer or address is stored.
        Assert.Equal("http_status_5xx", pending.GetProperty("lastErrorCode").GetString());
        Assert.Equal("The receiver answered with a server error status (see lastStatusCode).", pending.GetProperty("lastError").GetString());
    }

    [Fact]
    public async Task Another_owner_gets_404_on_a_reports_webhook_deliveries_exactly_like_a_missing_report()
    {
        var system = await infrastructure.SystemAsync();
        using var alice = await system.CreateClientAsync();
        using var mallory = await system.CreateClientAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        var id = await CreateWithWebhookAsync(alice, receiver.Url);
        await Deliveries.WaitForOutcomeAsync(alice, id, Deadline);

        using var theirs = await mallory.GetAsync(new Uri($"/api/reports/{id}/webhook-deliveries", UriKind.Relative));
        using var missing = await mallory.GetAsync(new Uri($"/api/reports/{Guid.NewGuid()}/webhook-deliveries", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", theirs.Content.Headers.ContentType?.MediaType);
        using var admin = system.CreateAdminClient();
        Assert.Single(await Deliveries.ListAsync(admin, id));
    }

    private static async Task<string> CreateWithWebhookAsync(HttpClient client, Uri webhook) =>
        (await ReportsClient.CreateAsync(client, new
        {
            type = "orders",
            parameters = new { from = "2024-01-01", to = "2024-01-03" },
            webhookUrl = webhook.ToString(),
        })).GetProperty("id").GetString()!;
}
