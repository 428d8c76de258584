using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Reports.Core.Scheduling;
using Reports.Tests.Integration;

namespace Reports.Tests.Scheduling;

/// <summary>
/// What the scheduler does at an owner's limits, against the real database on a fake clock years ahead (the system's
/// own real-time schedulers never find these schedules due).
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class ScheduledJobLimitsTests(Infrastructure infrastructure)
{
    private static readonly DateTimeOffset Start = new(2032, 3, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_fire_time_over_the_owners_quota_is_skipped_counted_and_shown_then_the_next_one_fires()
    {
        var system = await infrastructure.SystemAsync();
        var owner = "schedule-quota-" + Guid.NewGuid().ToString("N")[..8];
        var clock = new FakeTimeProvider(Start.AddMinutes(-1));
        var schedule = await StoredSchedules.CreateAsync(infrastructure, clock, "0 * * * *", MissedFirePolicy.FireOnce, owner: owner);
        await using var source = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString);
        var unfinished = await InsertUnfinishedJobsAsync(source, owner, 2);
        var scheduler = StoredSchedules.NewScheduler(source, clock, quota: 2);

        clock.SetUtcNow(Start.AddSeconds(5));
        await scheduler.FireDueAsync(CancellationToken.None);
        using var client = await ApiClients.NewUserAsync(system.Api, owner);
        var shown = await client.GetFromJsonAsync<JsonElement>($"/api/schedules/{schedule.Id}");

        Assert.Empty(await StoredSchedules.FireTimesAsync(infrastructure, schedule.Id));
        Assert.Equal(1, shown.GetProperty("skippedFires").GetInt64());
        Assert.Equal(Start, shown.GetProperty("lastSkippedFireAt").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, shown.GetProperty("lastFireAt").ValueKind);

        // One of the owner's jobs finishes: the next fire time is under the quota again and makes its report.
        await using (var finish = source.CreateCommand("UPDATE reports.jobs SET status = 'cancelled', finished_at = now() WHERE id = $1"))
        {
            finish.Parameters.AddWithValue(unfinished[0]);
            await finish.ExecuteNonQueryAsync();
        }

        clock.SetUtcNow(Start.AddHours(1).AddSeconds(5));
        await scheduler.FireDueAsync(CancellationToken.None);
        Assert.Equal([Start.AddHours(1)], await StoredSchedules.FireTimesAsync(infrastructure, schedule.Id));
    }

    [Fact]
    public async Task A_stored_schedule_firing_every_second_fires_no_closer_than_the_minimum_interval()
    {
        await infrastructure.SystemAsync();
        var clock = new FakeTimeProvider(Start.AddSeconds(-1));
        var schedule = await StoredSchedules.CreateAsync(infrastructure, clock, "* * * * * *", MissedFirePolicy.FireOnce);
        await using var source = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString);
        var scheduler = StoredSchedules.NewScheduler(source, clock, minInterval: TimeSpan.FromMinutes(1));

        for (var second = 0; second <= 90; second += 1)
        {
            clock.SetUtcNow(Start.AddSeconds(second));
            await scheduler.FireDueAsync(CancellationToken.None);
        }

        Assert.Equal([Start, Start.AddMinutes(1)], await StoredSchedules.FireTimesAsync(infrastructure, schedule.Id));
    }

    [Fact]
    public async Task Fire_once_after_a_long_outage_fires_the_latest_missed_time_not_the_thousandth()
    {
        await infrastructure.SystemAsync();
        var clock = new FakeTimeProvider(Start.AddMinutes(-1));
        var schedule = await StoredSchedules.CreateAsync(infrastructure, clock, "* * * * *", MissedFirePolicy.FireOnce);
        await using var source = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString);
        var scheduler = StoredSchedules.NewScheduler(source, clock);

        clock.SetUtcNow(Start.AddMinutes(5000).AddSeconds(20)); // 5,000 fire times missed
        await scheduler.FireDueAsync(CancellationToken.None);

        Assert.Equal([Start.AddMinutes(5000)], await StoredSchedules.FireTimesAsync(infrastructure, schedule.Id));
        var stored = await new ScheduleStore(source, clock).GetAsync(schedule.Id, owner: null, CancellationToken.None);
        Assert.Equal(Start.AddMinutes(5001), stored!.NextFireAt);
    }

    /// <summary>Unfinished jobs of <paramref name="owner"/> on a queue nobody serves: they count in its quota.</summary>
    private static async Task<List<Guid>> InsertUnfinishedJobsAsync(NpgsqlDataSource source, string owner, int count)
    {
        await using var insert = source.CreateCommand("""
            INSERT INTO reports.jobs (id, owner, report_type, format, parameters, parameters_hash, queue, status, max_attempts)
            SELECT gen_random_uuid(), $1, 'orders', 'csv', '{}', 'x', 'nowhere', 'queued', 1 FROM generate_series(1, $2)
            RETURNING id
            """);
        insert.Parameters.AddWithValue(owner);
        insert.Parameters.AddWithValue(count);
        var ids = new List<Guid>();
        await using var reader = await insert.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetGuid(0));
        }

        return ids;
    }
}
