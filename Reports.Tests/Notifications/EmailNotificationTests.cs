using System.Net.Http.Json;
using System.Text.Json;
using Reports.Tests.Engine;
using Reports.Tests.Integration;

namespace Reports.Tests.Notifications;

[Collection(FaultGroup.Name)]
public sealed class EmailNotificationTests(FaultSystem system)
{
    [Fact]
    public async Task A_finished_report_emails_each_recipient_through_a_real_smtp_server_and_lists_an_in_app_notification()
    {
        await using var smtp = await SmtpServer.StartAsync();
        using var client = await system.CreateClientAsync();
        var settings = new Dictionary<string, string>(FaultSystem.SlowWorker)
        {
            ["Reports:Email:Host"] = "127.0.0.1",
            ["Reports:Email:Port"] = smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Reports:Email:UseTls"] = "false",
            ["Reports:Email:From"] = "reports@example.test",
            ["Reports:Email:PublicBaseUrl"] = "https://reports.example.test/",
            ["Reports:Generation:PageSize"] = "20000",
        };
        await using var worker = await system.StartWorkerAsync("email-" + Guid.NewGuid().ToString("N")[..6], settings);

        var id = (await ReportsClient.CreateAsync(client, new
        {
            type = "orders",
            parameters = new { from = "2024-02-01", to = "2024-02-03" },
            emailRecipients = new[] { "alice@example.test", "bob@example.test" },
        })).GetProperty("id").GetString()!;
        var done = await ReportsClient.WaitForFinalAsync(client, id, TimeSpan.FromMinutes(2));
        await FaultSystem.EventuallyAsync(() => Task.FromResult(smtp.Messages().Count >= 2), "two emails arrive");

        var messages = smtp.Messages();
        Assert.Equal(2, messages.Count);
        Assert.Contains(messages, m => m.Contains("alice@example.test", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("bob@example.test", StringComparison.Ordinal));
        foreach (var message in messages)
        {
            Assert.Contains("Subject: Your report is ready: " + done.GetProperty("file").GetProperty("fileName").GetString(), message, StringComparison.Ordinal);
            Assert.Contains("Status: succeeded", message, StringComparison.Ordinal);
            Assert.Contains($"https://reports.example.test/?report={id}", message, StringComparison.Ordinal);
            Assert.DoesNotContain("sig=", message, StringComparison.Ordinal); // never a short-lived file URL
        }

        var inApp = await client.GetFromJsonAsync<JsonElement>("/api/notifications?unread=true");
        var mine = inApp.EnumerateArray().Single(n => n.GetProperty("reportId").GetString() == id);
        Assert.Equal("report.succeeded", mine.GetProperty("event").GetString());
        using var read = await client.PostAsync(new Uri($"/api/notifications/{mine.GetProperty("id").GetString()}/read", UriKind.Relative), null);
        var after = await client.GetFromJsonAsync<JsonElement>("/api/notifications?unread=true");
        Assert.DoesNotContain(after.EnumerateArray(), n => n.GetProperty("reportId").GetString() == id);
    }
}
