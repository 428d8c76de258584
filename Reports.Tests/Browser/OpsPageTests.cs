using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Reports.Tests.Integration;
using static Microsoft.Playwright.Assertions;

namespace Reports.Tests.Browser;

[Collection(BrowserGroup.Name)]
public sealed class OpsPageTests(BrowserSystem system)
{
    [Fact]
    public async Task A_user_key_is_refused_the_operations_page_and_its_data()
    {
        var key = await system.NewUserKeyAsync();
        var page = await system.NewPageAsync();
        await page.GotoAsync("/ops");
        await page.GetByLabel("API key").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Expect(page.Locator("#api-key-error")).ToContainTextAsync("not an admin key");
        await Expect(page.Locator("#app")).ToBeHiddenAsync();
        await Expect(page.Locator("#queues tbody tr")).ToHaveCountAsync(0);
        using var client = system.Api.CreateClient(key);
        foreach (var path in new[] { "/api/admin/ops/queues", "/api/admin/ops/workers", "/api/admin/ops/history", $"/api/admin/ops/jobs/{Guid.NewGuid()}", "/api/admin/dead-letters" })
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }
    }

    [Fact]
    public async Task An_admin_sees_queues_and_a_live_worker_and_replays_a_dead_letter_until_it_succeeds()
    {
        var id = await DeadLetterAsync();
        var page = await system.NewPageAsync();
        await SignIn.AsAsync(page, "/ops", TestSettings.AdminKey);

        await Expect(page.Locator("#queues tr[data-queue='reports'] th")).ToHaveTextAsync("reports");
        await Expect(page.Locator("#queues tr[data-queue='reports-bulk']")).ToBeVisibleAsync();
        var worker = page.Locator($"#workers tr[data-worker='{BrowserSystem.WorkerId}']");
        await Expect(worker.Locator("[data-label=Heartbeat]")).ToContainTextAsync(" ago");
        await Expect(worker.Locator("[data-label='Queues (slots)']")).ToContainTextAsync("reports-bulk");
        await Expect(worker.Locator("[data-label='Memory (RSS / heap)']")).ToContainTextAsync("MB");
        await Expect(page.Locator("#history-chart svg rect").First).ToBeAttachedAsync();

        var row = page.Locator($"#dead-letters tr[data-report-id='{id}']");
        await Expect(row.Locator("[data-label=Error]")).ToContainTextAsync("limit_exceeded");
        await row.GetByRole(AriaRole.Button, new() { Name = "orders · CSV" }).ClickAsync();
        var detail = page.Locator($"#job-detail [data-job-id='{id}']");
        await Expect(detail.Locator(".status")).ToHaveTextAsync("failed");
        await Expect(detail.Locator("table.attempts tbody tr").First).ToContainTextAsync("browser-worker-strict");
        await Expect(detail.Locator("table.attempts tbody tr").First).ToContainTextAsync("limit_exceeded");

        await row.GetByRole(AriaRole.Button, new() { NameRegex = new("^Replay ") }).ClickAsync();

        await Expect(detail.Locator(".status")).ToHaveTextAsync("succeeded", new() { Timeout = 60_000 });
        var attempts = detail.Locator("table.attempts tbody tr");
        await Expect(attempts.Last.Locator("[data-label=Worker]")).ToHaveTextAsync(BrowserSystem.WorkerId);
        await Expect(attempts.Last.Locator("[data-label=Outcome]")).ToHaveTextAsync("succeeded");
        await Expect(page.Locator($"#dead-letters tr[data-report-id='{id}']")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task An_admin_sees_a_schedules_fire_times_as_a_calendar_its_state_and_its_history()
    {
        using var client = system.Api.CreateClient(await system.NewUserKeyAsync());
        using var created = await client.PostAsJsonAsync(new Uri("/api/schedules", UriKind.Relative), new
        {
            name = "hourly orders " + Guid.NewGuid().ToString("N")[..6],
            type = "orders",
            parameters = new { from = "yesterday", to = "today" },
            cron = "30 * * * *",
            timeZone = "Europe/Berlin",
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("id").GetString();
        try
        {
            var page = await system.NewPageAsync();
            await SignIn.AsAsync(page, "/ops", TestSettings.AdminKey);

            var row = page.Locator($"#schedules tr[data-schedule='{id}']");
            await Expect(row.Locator("td").Nth(0)).ToHaveTextAsync("OK");
            await Expect(row.Locator("td").Nth(1)).ToHaveTextAsync("none yet");
            // 24 fire times in the next 24 hours, one in each hour column; the columns run from this hour to the one 24 hours on.
            await Expect(row.Locator("td.fires")).ToHaveCountAsync(24);
            await Expect(page.Locator("#schedules thead th.slot")).ToHaveCountAsync(25);

            await page.GetByLabel("Next 7 days").CheckAsync();
            await Expect(page.Locator("#schedules thead th.slot")).ToHaveCountAsync(8); // today and the 7 days after
            await Expect(row.Locator("td.fires").First).ToBeVisibleAsync();

            await row.GetByRole(AriaRole.Button, new() { NameRegex = new("^History of ") }).ClickAsync();
            await Expect(page.Locator("#schedule-history tbody tr")).ToHaveCountAsync(1);
            await Expect(page.Locator("#schedule-history tbody tr")).ToContainTextAsync("created");
            await page.GetByLabel("Next 24 hours").CheckAsync();
            await Expect(page.Locator("#schedules thead th.slot")).ToHaveCountAsync(25);
            await Screenshots.SaveAsync(page.Locator("section[aria-labelledby='schedules-title']"), "ops-schedules");
        }
        finally
        {
            using var deleted = await client.DeleteAsync(new Uri($"/api/schedules/{id}", UriKind.Relative));
        }
    }

    /// <summary>
    /// A real failure: a worker with a row limit too small for the report fails it for good (limit_exceeded), then the
    /// usual worker comes back, as after an operator raised the limit, so a replay can succeed.
    /// </summary>
    private async Task<string> DeadLetterAsync()
    {
        using var client = system.Api.CreateClient(await system.NewUserKeyAsync());
        string id;
        await system.StopWorkerAsync();
        try
        {
            await system.StartWorkerAsync(new Dictionary<string, string>
            {
                ["Reports__Catalog__orders__MaxRows"] = "10",
                ["Reports__Worker__Id"] = "browser-worker-strict",
            });
            var created = await ReportsClient.CreateAsync(client, new
            {
                type = "orders", format = "csv", parameters = new { from = "2024-01-01", to = "2024-01-31" },
            });
            id = created.GetProperty("id").GetString()!;
            var failed = await ReportsClient.WaitForFinalAsync(client, id, TimeSpan.FromMinutes(1));
            Assert.True(failed.GetProperty("status").GetString() == "failed", failed.ToString());
        }
        finally
        {
            await system.StartWorkerAsync();
        }

        return id;
    }
}
