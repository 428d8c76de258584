using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Reports.Core.Scheduling;
using Reports.Tests.Integration;

namespace Reports.Tests.Scheduling;

/// <summary>The health signal of schedules, missed and failing, against the real database and the running API.</summary>
[Collection(IntegrationGroup.Name)]
public sealed class ScheduleHealthTests(Infrastructure infrastructure)
{
    /// <summary>Years ahead, and after every other test's fake clock, so no real scheduler finds these schedules due.</summary>
    private static readonly DateTimeOffset Start = new(2033, 9, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_schedule_not_fired_within_the_grace_period_is_missed_until_it_fires_again()
    {
        await infrastructure.SystemAsync();
        var clock = new FakeTimeProvider(Start.AddMinutes(-1));
        var schedule = await StoredSchedules.CreateAsync(infrastructure, clock, "0 * * * *", MissedFirePolicy.FireOnce);
        await using var source = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString);
        var monitor = new ScheduleMonitor(source, Options.Create(new ScheduleMonitoringOptions { MissedGrace = TimeSpan.FromMinutes(2) }), clock);
        var store = new ScheduleStore(source, clock);

        clock.SetUtcNow(Start.AddMinutes(1)); // due a minute ago: within the grace period
        Assert.DoesNotContain(schedule.Id, (await monitor.CheckAsync(CancellationToken.None)).Missed);
        Assert.False(monitor.IsMissed((await store.GetAsync(schedule.Id, null, CancellationToken.None))!));

        clock.SetUtcNow(Start.AddMinutes(5)); // no scheduler ran: the scheduler is down
        Assert.Contains(schedule.Id, (await monitor.CheckAsync(CancellationToken.None)).Missed);
        Assert.True(monitor.IsMissed((await store.GetAsync(schedule.Id, null, CancellationToken.None))!));

        await StoredSchedules.NewScheduler(source, clock).FireDueAsync(CancellationToken.None); // the scheduler is back
        Assert.DoesNotContain(schedule.Id, (await monitor.CheckAsync(CancellationToken.None)).Missed);
        Assert.Equal([Start], await StoredSchedules.FireTimesAsync(infrastructure, schedule.Id));
    }

    [Fact]
    public async Task Three_failed_runs_in_a_row_make_a_schedule_failing_in_its_view_and_in_health_until_one_succeeds()
    {
        var system = await infrastructure.SystemAsync();
        var owner = "failing-" + Guid.NewGuid().ToString("N")[..12];
        using var client = await ApiClients.NewUserAsync(system.Api, owner);
        using var created = await client.PostAsJsonAsync(new Uri("/api/schedules", UriKind.Relative), new
        {
            name = "yearly",
            type = "orders",
            parameters = new { from = "-1 year start", to = "-1 year end" },
            cron = "0 0 1 1 *",
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = Guid.Parse((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
        try
        {
            var first = DateTimeOffset.UtcNow.AddDays(-10);
            await AddRunAsync(id, owner, first, "failed");
            await AddRunAsync(id, owner, first.AddDays(1), "failed");
            var two = await HealthOfAsync(client, id);
            Assert.Equal("ok", two.GetProperty("state").GetString()); // the default is three in a row
            Assert.Equal(2, two.GetProperty("failuresInARow").GetInt32());

            var third = await AddRunAsync(id, owner, first.AddDays(2), "failed");
            var view = await client.GetFromJsonAsync<JsonElement>($"/api/schedules/{id}");
            Assert.Equal("failing", view.GetProperty("health").GetProperty("state").GetString());
            Assert.True(view.GetProperty("health").GetProperty("failing").GetBoolean());
            Assert.Equal(3, view.GetProperty("health").GetProperty("failuresInARow").GetInt32());
            Assert.Equal(third, view.GetProperty("lastRun").GetProperty("jobId").GetGuid());
            Assert.Equal("failed", view.GetProperty("lastRun").GetProperty("status").GetString());
            await Poll.UntilAsync(async () => (await FailingInHealthAsync(system)).Contains(id), "the health check lists the schedule as failing");

            await AddRunAsync(id, owner, first.AddDays(3), "succeeded");
            var recovered = await HealthOfAsync(client, id);
            Assert.Equal("ok", recovered.GetProperty("state").GetString());
            Assert.Equal(0, recovered.GetProperty("failuresInARow").GetInt32());
            await Poll.UntilAsync(async () => !(await FailingInHealthAsync(system)).Contains(id), "the health check no longer lists the schedule");
        }
        finally
        {
            using var deleted = await client.DeleteAsync(new Uri($"/api/schedules/{id}", UriKind.Relative));
        }
    }

    private static async Task<JsonElement> HealthOfAsync(HttpClient client, Guid id) =>
        (await client.GetFromJsonAsync<JsonElement>($"/api/schedules/{id}")).GetProperty("health");

    /// <summary>The ids the API's health check names as failing (none when it is healthy).</summary>
    private static async Task<IReadOnlyList<Guid>> FailingInHealthAsync(ReportsSystem system)
    {
        using var http = system.Api.CreateClient();
        using var response = await http.GetAsync(new Uri("/health", UriKind.Relative));
        var check = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("checks").GetProperty("schedules");
        return check.GetProperty("status").GetString() == "Degraded"
            ? [.. check.GetProperty("data").GetProperty("failing").EnumerateArray().Select(e => Guid.Parse(e.GetString()!))]
            : [];
    }

    /// <summary>A finished run of the schedule, written as the worker leaves one (no worker runs it).</summary>
    private async Task<Guid> AddRunAsync(Guid scheduleId, string owner, DateTimeOffset fireTime, string status)
    {
        await using var source = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString);
        await using var command = source.CreateCommand("""
            INSERT INTO reports.jobs (id, owner, report_type, format, parameters, parameters_hash, queue, status, attempt, max_attempts,
                                      schedule_id, fire_time, created_at, updated_at, finished_at, error, error_code)
            VALUES ($1, $2, 'orders', 'csv', '{}', '', 'reports-bulk', $3, 1, 1, $4, $5, $5, $5, $5,
                    CASE WHEN $3 = 'failed' THEN 'It failed.' END, CASE WHEN $3 = 'failed' THEN 'attempts_exhausted' END)
            """);
        var id = Guid.CreateVersion7();
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(owner);
        command.Parameters.AddWithValue(status);
        command.Parameters.AddWithValue(scheduleId);
        command.Parameters.AddWithValue(fireTime);
        await command.ExecuteNonQueryAsync();
        return id;
    }
}
