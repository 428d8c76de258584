using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using Reports.Core.Generation;
using Reports.Core.Generation.Partitions;
using Reports.Core.Storage;
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
        foreach (var path in new[] { "/api/admin/ops/queues", "/api/admin/ops/workers", "/api/admin/ops/history", $"/api/admin/ops/jobs/{Guid.NewGuid()}", $"/api/admin/ops/jobs/{Guid.NewGuid()}/partitions", "/api/admin/dead-letters" })
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
    public async Task An_admin_sees_a_running_reports_partitions_with_their_rows_worker_and_state_in_the_job_detail()
    {
        var id = await PartitionedJobAsync();
        var page = await system.NewPageAsync();
        await SignIn.AsAsync(page, "/ops", TestSettings.AdminKey);

        await page.GetByLabel("Job id").FillAsync(id.ToString());
        await page.GetByRole(AriaRole.Button, new() { Name = "Show job" }).ClickAsync();

        var detail = page.Locator($"#job-detail [data-job-id='{id}']");
        try
        {
            await Expect(detail.GetByRole(AriaRole.Heading, new() { Name = "Partitions (1 of 3 done)" })).ToBeVisibleAsync();
        }
        catch (Exception e)
        {
            // What the page shows instead: the detail, the look-up's error, the refresh's status.
            var shown = await Task.WhenAll(new[] { "#job-detail", "#job-id-error", "#refresh-status" }.Select(s => page.Locator(s).InnerTextAsync()));
            throw new InvalidOperationException($"The job detail did not show its partitions. Detail: '{shown[0]}'; error: '{shown[1]}'; refresh: '{shown[2]}'.", e);
        }

        var rows = detail.Locator("table.partitions tbody tr");
        await Expect(rows).ToHaveCountAsync(3);
        await Expect(rows.Nth(0).Locator("[data-label=Worker]")).ToHaveTextAsync("browser-helper-a");
        await Expect(rows.Nth(0).Locator("[data-label=Rows]")).ToHaveTextAsync("1,234");
        await Expect(rows.Nth(0).Locator("[data-label=State]")).ToHaveTextAsync("reading");
        await Expect(rows.Nth(1).Locator("[data-label=Worker]")).ToHaveTextAsync("browser-helper-b");
        await Expect(rows.Nth(1).Locator("[data-label=State]")).ToHaveTextAsync("done");
        await Expect(rows.Nth(2).Locator("[data-label=State]")).ToHaveTextAsync("lapsed");
        await Expect(rows.Nth(2).Locator("[data-label='Last progress']")).ToContainTextAsync(" ago");
    }

    /// <summary>
    /// A running job (held for hours, on a queue the test worker does not serve) cut into three partitions: one read by a
    /// helper now, one done, one whose claim lapsed an hour ago. Each claim on a clock of its own, so each state holds
    /// however long the test takes.
    /// </summary>
    private async Task<Guid> PartitionedJobAsync()
    {
        await using var db = Npgsql.NpgsqlDataSource.Create(system.Infrastructure.PostgresConnectionString);
        var jobs = new JobStore(db, TimeProvider.System);
        var created = await jobs.CreateAsync(NoOpJobs.New("test-ops-page-partitions"), CancellationToken.None);
        var job = (await jobs.ClaimAsync(created.Job.Id, "owner", TimeSpan.FromHours(2), CancellationToken.None))!;
        var layout = new[] { (null, "2024-01-01"), ("2024-01-01", "2025-01-01"), ((string?)"2025-01-01", (string?)null) }
            .Select(r => new PartitionCheckpoint(r.Item1, r.Item2, GenerationCheckpoint.Start)).ToList();
        Assert.True(await new PartitionStore(db, TimeProvider.System).PlanAsync(job, layout, CancellationToken.None));

        var now = DateTimeOffset.UtcNow;
        PartitionStore At(DateTimeOffset at) => new(db, new FakeTimeProvider(at));
        var reading = (await At(now.AddHours(1)).ClaimAsync(job.Id, "browser-helper-a", TimeSpan.FromMinutes(10), null, CancellationToken.None))!;
        Assert.True(await At(now.AddHours(1)).ReportRowsAsync(reading, 1234, CancellationToken.None));
        var done = (await At(now).ClaimAsync(job.Id, "browser-helper-b", TimeSpan.FromMinutes(10), null, CancellationToken.None))!;
        Assert.True(await At(now).FinishAsync(done, GenerationCheckpoint.Start.Next("cursor", 10, 100, PartitionClaim.FirstBlockToken + done.Token), CancellationToken.None));
        Assert.NotNull(await At(now.AddHours(-1)).ClaimAsync(job.Id, "browser-helper-c", TimeSpan.FromSeconds(30), null, CancellationToken.None));
        return job.Id;
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

    [Fact]
    public async Task An_admin_previews_a_bulk_replay_by_filter_starts_it_and_follows_it_to_completion()
    {
        var owner = "ops-replay-" + Guid.NewGuid().ToString("N")[..8];
        await InsertDeadLettersAsync(owner, 3);
        var page = await system.NewPageAsync();
        await SignIn.AsAsync(page, "/ops", TestSettings.AdminKey);

        // A bad filter is named at its field, from the API's problem document.
        await page.GetByLabel("Failed from").FillAsync("2026-03-02T00:00");
        await page.GetByLabel("Failed before").FillAsync("2026-03-01T00:00");
        await page.GetByRole(AriaRole.Button, new() { Name = "Preview" }).ClickAsync();
        await Expect(page.Locator("#replay-to-error")).ToContainTextAsync("after from");
        await Expect(page.GetByLabel("Failed before")).ToHaveAttributeAsync("aria-invalid", "true");

        await page.GetByLabel("Failed from").FillAsync("");
        await page.GetByLabel("Failed before").FillAsync("");
        await page.GetByLabel("Owner").FillAsync(owner);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Start replay" })).ToBeDisabledAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Preview" }).ClickAsync();
        await Expect(page.Locator("#replay-count")).ToHaveTextAsync("3 selected.");
        await Expect(page.Locator("#replay-preview tbody tr")).ToHaveCountAsync(3);
        await Expect(page.Locator("#replay-to-error")).ToBeEmptyAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Start replay" }).ClickAsync();
        await Expect(page.Locator("#replay-status")).ToHaveTextAsync("Replay started: 3 selected.");

        var replay = page.Locator("#replays tbody tr").First;
        await Expect(replay.Locator("[data-label=Status]")).ToHaveTextAsync("completed", new() { Timeout = 60_000 });
        await Expect(replay.Locator("[data-label=Replayed]")).ToHaveTextAsync("3");
        await Expect(replay.Locator("[data-label=Progress]")).ToContainTextAsync("3 / 3");
        await Expect(replay.GetByRole(AriaRole.Button)).ToHaveCountAsync(0); // nothing to pause or cancel once completed
        await Screenshots.SaveAsAsync(page, "ops-replay-desktop.png");

        // A dead letter that was replayed links to the report it became, which links back to it.
        var original = page.Locator("#dead-letters tbody tr", new() { HasText = "outage" }).First;
        await original.GetByRole(AriaRole.Button, new() { NameRegex = new("^Replayed as ") }).ClickAsync();
        var detail = page.Locator("#job-detail article");
        await Expect(detail.Locator("[data-fact=replay-of] dd")).Not.ToHaveTextAsync("–");
        await Expect(detail.Locator(".status")).ToHaveTextAsync("succeeded", new() { Timeout = 60_000 });

        // The same filter again selects the same three, all replayed already.
        await page.GetByRole(AriaRole.Button, new() { Name = "Preview" }).ClickAsync();
        await Expect(page.Locator("#replay-count")).ToContainTextAsync("3 replayed already");
    }

    [Fact]
    public async Task An_admin_pauses_resumes_and_cancels_a_replay_that_waits_for_a_runner_from_the_page()
    {
        var owner = "ops-pause-" + Guid.NewGuid().ToString("N")[..8];
        await InsertDeadLettersAsync(owner, 50);
        await system.StopWorkerAsync(); // no runner: the replay stays where the page puts it
        try
        {
            using var admin = system.Api.CreateClient(TestSettings.AdminKey);
            using var created = await admin.PostAsJsonAsync(new Uri("/api/admin/dead-letters/replays", UriKind.Relative), new { owner });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var id = (await created.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("id").GetString();
            var page = await system.NewPageAsync();
            await SignIn.AsAsync(page, "/ops", TestSettings.AdminKey);

            var row = page.Locator($"#replays tr[data-replay-id='{id}']");
            await Expect(row.Locator("[data-label=Status]")).ToContainTextAsync("waiting for its turn");
            await Expect(row.Locator("[data-label=Progress]")).ToContainTextAsync("0 / 50");
            await row.GetByRole(AriaRole.Button, new() { Name = $"Pause jobs replay {id}" }).ClickAsync();
            await Expect(row.Locator("[data-label=Status]")).ToHaveTextAsync("paused");
            await row.GetByRole(AriaRole.Button, new() { Name = $"Resume jobs replay {id}" }).ClickAsync();
            await Expect(row.Locator("[data-label=Status]")).ToContainTextAsync("running");
            await row.GetByRole(AriaRole.Button, new() { Name = $"Pause jobs replay {id}" }).ClickAsync();
            await Expect(row.GetByRole(AriaRole.Button, new() { Name = $"Resume jobs replay {id}" })).ToBeVisibleAsync();
            await Screenshots.SaveAsync(page.Locator("section[aria-labelledby='replay-title']"), "ops-replay-paused");

            await row.GetByRole(AriaRole.Button, new() { Name = $"Cancel jobs replay {id}" }).ClickAsync();
            await Expect(row.Locator("[data-label=Status]")).ToHaveTextAsync("cancelled");
            await Expect(row.GetByRole(AriaRole.Button)).ToHaveCountAsync(0);
            var replay = await admin.GetFromJsonAsync<System.Text.Json.JsonElement>(new Uri($"/api/admin/replays/{id}", UriKind.Relative));
            Assert.Equal((0, 50), (replay.GetProperty("replayed").GetInt32(), replay.GetProperty("remaining").GetInt32()));
        }
        finally
        {
            await system.StartWorkerAsync();
        }
    }

    /// <summary>Failed orders reports of <paramref name="owner"/>, as an outage leaves them: a replay runs each for real.</summary>
    private async Task InsertDeadLettersAsync(string owner, int count)
    {
        await using var db = Npgsql.NpgsqlDataSource.Create(system.Infrastructure.PostgresConnectionString);
        await using var command = db.CreateCommand("""
            INSERT INTO reports.jobs (id, owner, report_type, format, parameters, parameters_hash, queue, status, attempt, max_attempts,
                                      error, error_code, created_at, updated_at, finished_at)
            SELECT gen_random_uuid(), $1, 'orders', 'csv', '{"from":"2024-01-01","to":"2024-01-02"}', 'ops-replay', 'reports', 'failed', 1, 1,
                   'The downstream was down.', 'outage', now(), now(), now() - g * interval '1 second'
            FROM generate_series(1, $2) AS g
            """);
        command.Parameters.AddWithValue(owner);
        command.Parameters.AddWithValue(count);
        await command.ExecuteNonQueryAsync();
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
