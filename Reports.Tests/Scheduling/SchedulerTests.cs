using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Reports.Core.Scheduling;
using Reports.Tests.Integration;

namespace Reports.Tests.Scheduling;

/// <summary>
/// Schedulers against the real database, on a fake clock set years ahead, so the system's own real-time schedulers
/// never find these schedules due.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class SchedulerTests(Infrastructure infrastructure)
{
    private static readonly DateTimeOffset Start = new(2031, 6, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Three_schedulers_running_together_create_exactly_one_report_per_fire_time()
    {
        await infrastructure.SystemAsync();
        var clock = new FakeTimeProvider(Start.AddMinutes(-1));
        var schedule = await CreateAsync(clock, "0 * * * *", MissedFirePolicy.FireOnce);
        var sources = Enumerable.Range(0, 3).Select(_ => NpgsqlDataSource.Create(infrastructure.PostgresConnectionString)).ToList();
        try
        {
            var schedulers = sources.Select(s => StoredSchedules.NewScheduler(s, clock)).ToList();
            for (var hour = 0; hour < 5; hour++)
            {
                clock.SetUtcNow(Start.AddHours(hour).AddSeconds(2));
                await Task.WhenAll(schedulers.Select(s => s.FireDueAsync(CancellationToken.None)));
            }
        }
        finally
        {
            foreach (var source in sources)
            {
                await source.DisposeAsync();
            }
        }

        var fireTimes = await FireTimesAsync(schedule.Id);
        Assert.Equal(Enumerable.Range(0, 5).Select(h => Start.AddHours(h)), fireTimes);
    }

    [Theory]
    [InlineData(MissedFirePolicy.FireOnce, 1)]
    [InlineData(MissedFirePolicy.SkipMissed, 0)]
    public async Task After_a_downtime_the_missed_fire_times_follow_the_schedules_policy(string policy, int expectedReports)
    {
        await infrastructure.SystemAsync();
        var clock = new FakeTimeProvider(Start.AddMinutes(-1));
        var schedule = await CreateAsync(clock, "0 * * * *", policy);
        await using var source = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString);
        var scheduler = StoredSchedules.NewScheduler(source, clock);

        clock.SetUtcNow(Start.AddHours(5).AddMinutes(10)); // nothing ran for five hours
        await scheduler.FireDueAsync(CancellationToken.None);

        var fireTimes = await FireTimesAsync(schedule.Id);
        Assert.Equal(expectedReports, fireTimes.Count);
        if (expectedReports == 1)
        {
            Assert.Equal(Start.AddHours(5), fireTimes[0]);
        }

        var stored = await new ScheduleStore(source, clock).GetAsync(schedule.Id, owner: null, CancellationToken.None);
        Assert.Equal(Start.AddHours(6), stored!.NextFireAt);
    }

    [Fact]
    public async Task A_scheduled_report_resolves_its_relative_dates_in_the_schedules_zone_and_goes_on_the_bulk_queue()
    {
        await infrastructure.SystemAsync();
        var clock = new FakeTimeProvider(Start.AddMinutes(-1));
        var schedule = await CreateAsync(clock, "0 0 1 * *", MissedFirePolicy.FireOnce, "America/New_York");
        await using var source = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString);
        var scheduler = StoredSchedules.NewScheduler(source, clock);

        // Midnight of 1 June in New York is 04:00Z: the fire time's local date is 1 June, so "-1 month" is May.
        clock.SetUtcNow(new DateTimeOffset(2031, 6, 1, 4, 0, 5, TimeSpan.Zero));
        await scheduler.FireDueAsync(CancellationToken.None);

        await using var command = source.CreateCommand("SELECT parameters::text, queue FROM reports.jobs WHERE schedule_id = $1");
        command.Parameters.AddWithValue(schedule.Id);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var parameters = JsonDocument.Parse(reader.GetString(0)).RootElement;
        Assert.Equal("2031-05-01", parameters.GetProperty("from").GetString());
        Assert.Equal("2031-05-31", parameters.GetProperty("to").GetString());
        Assert.Equal("reports-bulk", reader.GetString(1));
    }

    private Task<Schedule> CreateAsync(FakeTimeProvider clock, string cron, string policy, string zone = "UTC") =>
        StoredSchedules.CreateAsync(infrastructure, clock, cron, policy, zone);

    private Task<List<DateTimeOffset>> FireTimesAsync(Guid scheduleId) => StoredSchedules.FireTimesAsync(infrastructure, scheduleId);
}
