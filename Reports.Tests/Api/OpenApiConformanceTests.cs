using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;
using Reports.LocalServers;
using Reports.Tests.Browser;
using Reports.Tests.Integration;

namespace Reports.Tests.Api;

/// <summary>
/// Real answers of a running API (its own process, real Kestrel) held to the document it serves: the happy path of
/// creating and reading a report, and each kind of problem, with the documented schema and headers.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class OpenApiConformanceTests(Infrastructure infrastructure)
{
    private static readonly object SmallReport = new { type = "orders", parameters = new { from = "2024-01-01", to = "2024-01-02" } };

    [Fact]
    public async Task Creating_reading_and_listing_a_report_answer_as_documented()
    {
        var api = await infrastructure.ApiProcessAsync();
        var contract = await ServedContract.FetchAsync(api.BaseAddress);
        using var user = await UserAsync(api);
        var key = Guid.NewGuid().ToString("N");

        using var created = await PostAsync(user, SmallReport, key);
        using var replayed = await PostAsync(user, SmallReport, key);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        using var read = await user.GetAsync(new Uri($"/api/reports/{id}", UriKind.Relative));
        using var list = await user.GetAsync(new Uri("/api/reports?limit=5", UriKind.Relative));
        using var types = await user.GetAsync(new Uri("/api/report-types", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        Assert.Equal("true", replayed.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        await contract.AssertConformsAsync(created, "POST", "/api/reports");
        await contract.AssertConformsAsync(replayed, "POST", "/api/reports");
        await contract.AssertConformsAsync(read, "GET", "/api/reports/{id}");
        await contract.AssertConformsAsync(list, "GET", "/api/reports");
        await contract.AssertConformsAsync(types, "GET", "/api/report-types");
    }

    [Fact]
    public async Task Each_kind_of_problem_answers_as_documented()
    {
        var api = await infrastructure.ApiProcessAsync();
        var contract = await ServedContract.FetchAsync(api.BaseAddress);
        using var user = await UserAsync(api);
        using var anonymous = new HttpClient { BaseAddress = api.BaseAddress };
        var key = Guid.NewGuid().ToString("N");
        using var first = await PostAsync(user, SmallReport, key);

        using var invalid = await PostAsync(user, new { type = "no-such-report" });
        using var unreadable = await user.PostAsync(new Uri("/api/reports", UriKind.Relative), new StringContent("{\"type\":", Encoding.UTF8, "application/json"));
        using var tooLarge = await user.PostAsync(new Uri("/api/reports", UriKind.Relative),
            new StringContent(JsonSerializer.Serialize(new { type = "orders", padding = new string('x', 70 * 1024) }), Encoding.UTF8, "application/json"));
        using var reused = await PostAsync(user, new { type = "orders", parameters = new { from = "2024-01-01", to = "2024-01-03" } }, key);
        using var noKey = await anonymous.GetAsync(new Uri("/api/reports", UriKind.Relative));
        using var missing = await user.GetAsync(new Uri($"/api/reports/{Guid.NewGuid()}", UriKind.Relative));
        using var missingType = await user.GetAsync(new Uri("/api/report-types/no-such-report", UriKind.Relative));
        using var notAdmin = await user.GetAsync(new Uri("/api/admin/api-keys", UriKind.Relative));
        using var badLimit = await user.GetAsync(new Uri("/api/reports?limit=0", UriKind.Relative));
        using var notJson = await user.PostAsync(new Uri("/api/reports", UriKind.Relative), new StringContent("type=orders", Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(
            [HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.RequestEntityTooLarge, HttpStatusCode.UnprocessableEntity,
                HttpStatusCode.Unauthorized, HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.Forbidden, HttpStatusCode.BadRequest,
                HttpStatusCode.UnsupportedMediaType],
            new[] { invalid, unreadable, tooLarge, reused, noKey, missing, missingType, notAdmin, badLimit, notJson }.Select(r => r.StatusCode));
        Assert.True((await invalid.Content.ReadFromJsonAsync<JsonElement>()).TryGetProperty("errors", out _), "A validation problem names the fields.");
        await contract.AssertConformsAsync(invalid, "POST", "/api/reports");
        await contract.AssertConformsAsync(unreadable, "POST", "/api/reports");
        await contract.AssertConformsAsync(tooLarge, "POST", "/api/reports");
        await contract.AssertConformsAsync(reused, "POST", "/api/reports");
        await contract.AssertConformsAsync(noKey, "GET", "/api/reports");
        await contract.AssertConformsAsync(missing, "GET", "/api/reports/{id}");
        await contract.AssertConformsAsync(missingType, "GET", "/api/report-types/{name}");
        await contract.AssertConformsAsync(notAdmin, "GET", "/api/admin/api-keys");
        await contract.AssertConformsAsync(badLimit, "GET", "/api/reports");
        await contract.AssertConformsAsync(notJson, "POST", "/api/reports");
    }

    [Fact]
    public async Task A_finished_report_downloads_and_refuses_a_cancel_as_documented()
    {
        var api = await infrastructure.ApiProcessAsync();
        var contract = await ServedContract.FetchAsync(api.BaseAddress);
        using var user = await UserAsync(api);
        using var created = await PostAsync(user, SmallReport);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        await Poll.UntilAsync(async () =>
        {
            using var status = await user.GetAsync(new Uri($"/api/reports/{id}", UriKind.Relative));
            return (await status.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString() == "succeeded";
        }, "the report succeeded", TimeSpan.FromMinutes(2));

        using var download = await user.GetAsync(new Uri($"/api/reports/{id}/download", UriKind.Relative));
        using var cancel = await user.PostAsync(new Uri($"/api/reports/{id}/cancel", UriKind.Relative), null);
        using var deliveries = await user.GetAsync(new Uri($"/api/reports/{id}/webhook-deliveries", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Found, download.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, cancel.StatusCode);
        await contract.AssertConformsAsync(download, "GET", "/api/reports/{id}/download");
        await contract.AssertConformsAsync(cancel, "POST", "/api/reports/{id}/cancel");
        await contract.AssertConformsAsync(deliveries, "GET", "/api/reports/{id}/webhook-deliveries");

        // Past its retention period the file is gone: 410.
        await using (var dataSource = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString))
        await using (var command = dataSource.CreateCommand("UPDATE reports.jobs SET expires_at = now() - interval '1 minute' WHERE id = @id"))
        {
            command.Parameters.AddWithValue("id", Guid.Parse(id!));
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        using var gone = await user.GetAsync(new Uri($"/api/reports/{id}/download", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
        await contract.AssertConformsAsync(gone, "GET", "/api/reports/{id}/download");
    }

    [Fact]
    public async Task An_identity_provider_that_cannot_be_reached_answers_503_as_documented()
    {
        await infrastructure.SystemAsync();
        await using var issuer = await SignIn.LocalIssuer.StartAsync(); // signs tokens; the API is told another address
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var api = await ApiProcess.StartAsync(infrastructure, timeout.Token, new Dictionary<string, string>
        {
            ["Reports:Auth:Jwt:Authority"] = $"http://127.0.0.1:{FreePort.Next()}",
            ["Reports:Auth:Jwt:RequireHttpsMetadata"] = "false",
            ["Reports:Auth:Jwt:Audience"] = SignIn.LocalIssuer.Audience,
            ["Reports:Auth:Jwt:KeysStartTimeout"] = "00:00:01",
        });
        var contract = await ServedContract.FetchAsync(api.BaseAddress);
        using var user = api.CreateClient(issuer.Token("contract-" + Guid.NewGuid().ToString("N")[..12]));

        using var list = await user.GetAsync(new Uri("/api/reports", UriKind.Relative));
        using var create = await PostAsync(user, SmallReport);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, list.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, create.StatusCode);
        await contract.AssertConformsAsync(list, "GET", "/api/reports");
        await contract.AssertConformsAsync(create, "POST", "/api/reports");
    }

    [Fact]
    public async Task The_events_endpoint_documents_its_last_event_id_header()
    {
        var api = await infrastructure.ApiProcessAsync();
        using var anonymous = new HttpClient { BaseAddress = api.BaseAddress };

        var document = await anonymous.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var parameter = document.GetProperty("paths").GetProperty("/api/reports/{id}/events").GetProperty("get").GetProperty("parameters")
            .EnumerateArray().Single(p => p.GetProperty("name").GetString() == "Last-Event-ID");
        Assert.Equal("header", parameter.GetProperty("in").GetString());
        Assert.Equal("string", parameter.GetProperty("schema").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Unknown_ids_answer_404_as_documented_on_every_kind_of_resource()
    {
        var api = await infrastructure.ApiProcessAsync();
        var contract = await ServedContract.FetchAsync(api.BaseAddress);
        using var user = await UserAsync(api);
        using var admin = api.CreateClient(TestSettings.AdminKey);
        var id = Guid.NewGuid();

        (HttpResponseMessage Response, string Method, string Path)[] answers =
        [
            (await user.GetAsync(new Uri($"/api/reports/{id}/download", UriKind.Relative)), "GET", "/api/reports/{id}/download"),
            (await user.PostAsync(new Uri($"/api/reports/{id}/cancel", UriKind.Relative), null), "POST", "/api/reports/{id}/cancel"),
            (await user.GetAsync(new Uri($"/api/reports/{id}/events", UriKind.Relative)), "GET", "/api/reports/{id}/events"),
            (await user.GetAsync(new Uri($"/api/reports/{id}/webhook-deliveries", UriKind.Relative)), "GET", "/api/reports/{id}/webhook-deliveries"),
            (await user.GetAsync(new Uri($"/api/schedules/{id}", UriKind.Relative)), "GET", "/api/schedules/{id}"),
            (await user.DeleteAsync(new Uri($"/api/schedules/{id}", UriKind.Relative)), "DELETE", "/api/schedules/{id}"),
            (await user.PostAsync(new Uri($"/api/notifications/{id}/read", UriKind.Relative), null), "POST", "/api/notifications/{id}/read"),
            (await admin.PostAsync(new Uri($"/api/admin/reports/{id}/retry", UriKind.Relative), null), "POST", "/api/admin/reports/{id}/retry"),
            (await admin.DeleteAsync(new Uri($"/api/admin/api-keys/{id}", UriKind.Relative)), "DELETE", "/api/admin/api-keys/{id}"),
            (await admin.GetAsync(new Uri($"/api/admin/ops/jobs/{id}", UriKind.Relative)), "GET", "/api/admin/ops/jobs/{id}"),
            (await admin.GetAsync(new Uri($"/api/admin/ops/jobs/{id}/partitions", UriKind.Relative)), "GET", "/api/admin/ops/jobs/{id}/partitions"),
        ];

        try
        {
            foreach (var (response, method, path) in answers)
            {
                Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {path}: {(int)response.StatusCode}");
                await contract.AssertConformsAsync(response, method, path);
            }
        }
        finally
        {
            foreach (var (response, _, _) in answers)
            {
                response.Dispose();
            }
        }
    }

    [Fact]
    public async Task The_rate_limit_answers_429_as_documented()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var api = await ApiProcess.StartAsync(infrastructure, timeout.Token,
            new Dictionary<string, string> { ["Reports:Api:CreatesPerMinute"] = "1" });
        var contract = await ServedContract.FetchAsync(api.BaseAddress);
        using var user = await UserAsync(api);

        using var first = await PostAsync(user, SmallReport);
        using var second = await PostAsync(user, SmallReport);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        await contract.AssertConformsAsync(second, "POST", "/api/reports");
    }

    [Fact]
    public async Task Schedules_notifications_the_account_and_the_admin_endpoints_answer_as_documented()
    {
        var api = await infrastructure.ApiProcessAsync();
        var contract = await ServedContract.FetchAsync(api.BaseAddress);
        using var user = await UserAsync(api);
        using var admin = api.CreateClient(TestSettings.AdminKey);
        var schedule = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["name"] = "contract", ["type"] = "orders", ["format"] = "csv",
            ["parameters"] = new { from = "-1 month start", to = "-1 month end" },
            ["cron"] = "0 6 1 * *", ["timeZone"] = "Europe/Berlin", ["missedPolicy"] = "fire-once",
        };
        var answers = new List<(HttpResponseMessage Response, string Method, string Path, HttpStatusCode Status)>();
        try
        {
            var created = await user.PostAsJsonAsync(new Uri("/api/schedules", UriKind.Relative), schedule);
            answers.Add((created, "POST", "/api/schedules", HttpStatusCode.Created));
            var scheduleId = created.IsSuccessStatusCode ? (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString() : Guid.NewGuid().ToString();
            var paused = new Dictionary<string, object>(schedule, StringComparer.Ordinal) { ["paused"] = true };
            answers.Add((await user.GetAsync(new Uri("/api/schedules", UriKind.Relative)), "GET", "/api/schedules", HttpStatusCode.OK));
            answers.Add((await user.GetAsync(new Uri($"/api/schedules/{scheduleId}", UriKind.Relative)), "GET", "/api/schedules/{id}", HttpStatusCode.OK));
            answers.Add((await user.PutAsJsonAsync(new Uri($"/api/schedules/{scheduleId}", UriKind.Relative), paused), "PUT", "/api/schedules/{id}", HttpStatusCode.OK));
            answers.Add((await user.GetAsync(new Uri($"/api/schedules/{scheduleId}/history", UriKind.Relative)), "GET", "/api/schedules/{id}/history", HttpStatusCode.OK));
            answers.Add((await user.DeleteAsync(new Uri($"/api/schedules/{scheduleId}", UriKind.Relative)), "DELETE", "/api/schedules/{id}", HttpStatusCode.NoContent));
            answers.Add((await user.PutAsJsonAsync(new Uri($"/api/schedules/{scheduleId}", UriKind.Relative), paused), "PUT", "/api/schedules/{id}", HttpStatusCode.NotFound));
            answers.Add((await user.PostAsJsonAsync(new Uri("/api/schedules", UriKind.Relative),
                new Dictionary<string, object>(schedule, StringComparer.Ordinal) { ["cron"] = "not a cron" }), "POST", "/api/schedules", HttpStatusCode.BadRequest));
            answers.Add((await user.GetAsync(new Uri("/api/notifications", UriKind.Relative)), "GET", "/api/notifications", HttpStatusCode.OK));
            answers.Add((await user.GetAsync(new Uri("/api/account/webhook-secret", UriKind.Relative)), "GET", "/api/account/webhook-secret", HttpStatusCode.OK));
            answers.Add((await user.PostAsync(new Uri("/api/account/webhook-secret/rotate", UriKind.Relative), null), "POST", "/api/account/webhook-secret/rotate", HttpStatusCode.OK));
            answers.Add((await user.GetAsync(new Uri("/api/report-types/orders", UriKind.Relative)), "GET", "/api/report-types/{name}", HttpStatusCode.OK));
            answers.Add((await user.GetAsync(new Uri("/api/reports/not-a-report-id", UriKind.Relative)), "GET", "/api/reports/{id}", HttpStatusCode.NotFound));

            var key = await admin.PostAsJsonAsync(new Uri("/api/admin/api-keys", UriKind.Relative), new { owner = "contract-" + Guid.NewGuid().ToString("N")[..12], role = "user" });
            answers.Add((key, "POST", "/api/admin/api-keys", HttpStatusCode.Created));
            var keyId = key.IsSuccessStatusCode ? (await key.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetProperty("id").GetString() : Guid.NewGuid().ToString();
            answers.Add((await admin.GetAsync(new Uri("/api/admin/api-keys", UriKind.Relative)), "GET", "/api/admin/api-keys", HttpStatusCode.OK));
            answers.Add((await admin.DeleteAsync(new Uri($"/api/admin/api-keys/{keyId}", UriKind.Relative)), "DELETE", "/api/admin/api-keys/{id}", HttpStatusCode.OK));
            foreach (var path in new[] { "/api/admin/ops/queues", "/api/admin/ops/workers", "/api/admin/ops/history", "/api/admin/ops/schedules", "/api/admin/dead-letters", "/api/admin/replays" })
            {
                answers.Add((await admin.GetAsync(new Uri(path, UriKind.Relative)), "GET", path, HttpStatusCode.OK));
            }

            foreach (var (response, method, path, status) in answers)
            {
                Assert.True(response.StatusCode == status,
                    $"{method} {path}: expected {(int)status}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                await contract.AssertConformsAsync(response, method, path);
            }
        }
        finally
        {
            foreach (var (response, _, _, _) in answers)
            {
                response.Dispose();
            }
        }
    }

    [Fact]
    public async Task An_unfinished_report_refuses_a_download_cancels_and_limits_live_streams_as_documented()
    {
        var api = await infrastructure.ApiProcessAsync();
        var contract = await ServedContract.FetchAsync(api.BaseAddress);
        using var admin = api.CreateClient(TestSettings.AdminKey);
        var owner = "contract-" + Guid.NewGuid().ToString("N")[..12];
        using var user = api.CreateClient(await ApiClients.CreateKeyAsync(admin, owner));
        // Reports on a queue no worker serves: they stay queued until cancelled.
        await using var dataSource = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString);
        var store = new Reports.Core.Storage.JobStore(dataSource, TimeProvider.System);
        var waiting = (await store.CreateAsync(NoOpJobs.New("contract-waiting") with { Owner = owner }, CancellationToken.None)).Job.Id;
        var toCancel = (await store.CreateAsync(NoOpJobs.New("contract-waiting") with { Owner = owner }, CancellationToken.None)).Job.Id;

        var open = new List<HttpResponseMessage>();
        try
        {
            for (var i = 0; i < Infrastructure.ApiProcessStreamsPerOwner; i++)
            {
                open.Add(await Events.ReportStreams.OpenAsync(user, waiting.ToString()));
                Assert.Equal(HttpStatusCode.OK, open[^1].StatusCode);
            }

            using var beyond = await Events.ReportStreams.OpenAsync(user, waiting.ToString());
            using var download = await user.GetAsync(new Uri($"/api/reports/{waiting}/download", UriKind.Relative));
            using var cancel = await user.PostAsync(new Uri($"/api/reports/{toCancel}/cancel", UriKind.Relative), null);

            Assert.Equal(HttpStatusCode.TooManyRequests, beyond.StatusCode);
            Assert.Equal(HttpStatusCode.Conflict, download.StatusCode);
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
            await contract.AssertConformsAsync(beyond, "GET", "/api/reports/{id}/events");
            await contract.AssertConformsAsync(download, "GET", "/api/reports/{id}/download");
            await contract.AssertConformsAsync(cancel, "POST", "/api/reports/{id}/cancel");
        }
        finally
        {
            foreach (var response in open)
            {
                response.Dispose();
            }

            using var cancelWaiting = await user.PostAsync(new Uri($"/api/reports/{waiting}/cancel", UriKind.Relative), null);
        }
    }

    [Fact]
    public async Task A_database_that_cannot_be_reached_answers_503_as_documented()
    {
        await infrastructure.SystemAsync();
        await using var api = new WebApplicationFactory<Reports.Api.ApiMarker>().WithWebHostBuilder(builder =>
        {
            TestSettings.Apply(builder, infrastructure, "contract-unavailable-api");
            builder.UseSetting("ConnectionStrings:reportsdb", $"Host=127.0.0.1;Port={FreePort.Next()};Username=reports;Password=reports;Database=reports;Timeout=2");
        });
        using var anonymous = api.CreateClient();
        var contract = await ServedContract.FetchAsync(anonymous);
        using var user = api.CreateClient();
        user.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "rpt_0123456789ab_" + new string('s', 32));

        using var list = await user.GetAsync(new Uri("/api/reports", UriKind.Relative));
        using var create = await PostAsync(user, SmallReport);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, list.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, create.StatusCode);
        await contract.AssertConformsAsync(list, "GET", "/api/reports");
        await contract.AssertConformsAsync(create, "POST", "/api/reports");
    }

    private static async Task<HttpClient> UserAsync(ApiProcess api)
    {
        using var admin = api.CreateClient(TestSettings.AdminKey);
        return api.CreateClient(await ApiClients.CreateKeyAsync(admin, "contract-" + Guid.NewGuid().ToString("N")[..12]));
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, object body, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/reports", UriKind.Relative)) { Content = JsonContent.Create(body) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return await client.SendAsync(request);
    }
}
