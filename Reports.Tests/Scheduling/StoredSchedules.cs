using Reports.Tests.Catalog;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Reports.Core.Catalog;
using Reports.Core.Jobs;
using Reports.Core.Scheduling;
using Reports.Core.Storage;
using Reports.Tests.Integration;

namespace Reports.Tests.Scheduling;

/// <summary>Schedules written straight to the database, and schedulers on a fake clock, for the scheduler's tests.</summary>
internal static class StoredSchedules
{
    /// <summary>A scheduler as the services make it, with the default limits unless given.</summary>
    public static Scheduler NewScheduler(NpgsqlDataSource source, TimeProvider clock, int quota = 100, TimeSpan? minInterval = null) =>
        new(source, new JobStore(source, clock), BuiltInReports.Catalog,
            Options.Create(new JobQuotaOptions { MaxActiveJobsPerOwner = quota }),
            Options.Create(new ScheduleLimits { MinInterval = minInterval ?? TimeSpan.FromMinutes(1) }),
            clock, NullLogger<Scheduler>.Instance);

    /// <summary>A schedule of last month's orders, first due at the cron's next time after the clock's now.</summary>
    public static async Task<Schedule> CreateAsync(
        Infrastructure infrastructure, TimeProvider clock, string cron, string policy, string zone = "UTC", string? owner = null)
    {
        await using var source = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString);
        var (parsed, _, _) = CronSchedule.Parse(cron, zone);
        return await new ScheduleStore(source, clock).SaveAsync(new Schedule
        {
            Id = Guid.CreateVersion7(),
            Owner = owner ?? "scheduler-test-" + Guid.NewGuid().ToString("N")[..8],
            Name = "monthly orders",
            ReportType = "orders",
            Format = "csv",
            Parameters = JsonSerializer.SerializeToElement(new { from = "-1 month start", to = "-1 month end" }),
            Cron = cron,
            TimeZone = zone,
            MissedPolicy = policy,
            NextFireAt = parsed!.Next(clock.GetUtcNow()),
        }, CancellationToken.None);
    }

    public static async Task<List<DateTimeOffset>> FireTimesAsync(Infrastructure infrastructure, Guid scheduleId)
    {
        await using var source = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString);
        await using var command = source.CreateCommand("SELECT fire_time FROM reports.jobs WHERE schedule_id = $1 ORDER BY fire_time");
        command.Parameters.AddWithValue(scheduleId);
        var times = new List<DateTimeOffset>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            times.Add(reader.GetFieldValue<DateTimeOffset>(0));
        }

        return times;
    }
}
