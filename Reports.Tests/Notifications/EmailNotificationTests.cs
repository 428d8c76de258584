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
        // Only this report's emails: the collection's other email tests leave deliveries of their own pending for retry.
        List<string> Mine() => [.. smtp.Messages().Where(m => m.Contains($"report={id}", StringComparison.Ordinal))];
        await FaultSystem.EventuallyAsync(() => Task.FromResult(Mine().Count >= 2), "two emails arrive");

        var messages = Mine();
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

    [Fact]
    public async Task With_UseTls_a_server_that_offers_no_STARTTLS_fails_the_send_and_never_sees_the_password()
    {
        await using var smtp = await SmtpServer.StartPlaintextAuthAsync();
        using var client = await system.CreateClientAsync();
        var password = "smtp-password-" + Guid.NewGuid().ToString("N");
        var settings = new Dictionary<string, string>(FaultSystem.SlowWorker)
        {
            ["Reports:Email:Host"] = "127.0.0.1",
            ["Reports:Email:Port"] = smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Reports:Email:UseTls"] = "true",
            ["Reports:Email:Username"] = "reports",
            ["Reports:Email:Password"] = password,
            ["Reports:Generation:PageSize"] = "20000",
        };
        await using var worker = await system.StartWorkerAsync("email-tls-" + Guid.NewGuid().ToString("N")[..6], settings);

        var id = (await ReportsClient.CreateAsync(client, new
        {
            type = "orders",
            parameters = new { from = "2024-02-01", to = "2024-02-02" },
            emailRecipients = new[] { "carol@example.test" },
        })).GetProperty("id").GetString()!;
        await ReportsClient.WaitForFinalAsync(client, id, TimeSpan.FromMinutes(2));
        (string Status, string? Error) email = default;
        await FaultSystem.EventuallyAsync(async () =>
        {
            email = await EmailStateAsync(id);
            return email.Status == "sent" || email.Error is not null;
        }, "the email is sent or its first attempt fails");

        Assert.NotEqual("sent", email.Status);
        Assert.Contains("STARTTLS", email.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(password, smtp.CredentialsSeen(), StringComparison.Ordinal);
        Assert.Equal("", smtp.CredentialsSeen());
        Assert.Empty(smtp.Messages());
    }

    private async Task<(string Status, string? Error)> EmailStateAsync(string jobId)
    {
        await using var command = system.Database.CreateCommand("SELECT status, last_error FROM reports.notifications WHERE job_id = $1 AND channel = 'email'");
        command.Parameters.AddWithValue(Guid.Parse(jobId));
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1)) : ("none", null);
    }
}
