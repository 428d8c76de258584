using Reports.Core.Scheduling;

namespace Reports.Tests.Scheduling;

public sealed class CronScheduleTests
{
    [Fact]
    public void A_daily_time_in_a_daylight_saving_zone_keeps_its_local_hour_across_the_change()
    {
        var (cron, _, _) = CronSchedule.Parse("0 9 * * *", "Europe/Berlin");

        var times = cron!.NextTimes(new DateTimeOffset(2031, 3, 28, 12, 0, 0, TimeSpan.Zero), 3);

        // 09:00 in Berlin is 08:00Z in winter (CET) and 07:00Z from 30 March 2031 (CEST).
        Assert.Equal(
        [
            new DateTimeOffset(2031, 3, 29, 8, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2031, 3, 30, 7, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2031, 3, 31, 7, 0, 0, TimeSpan.Zero),
        ], times.Select(t => t.ToUniversalTime()));
    }

    [Fact]
    public void A_time_inside_the_skipped_hour_fires_once_that_day_and_a_repeated_hour_fires_once()
    {
        var (cron, _, _) = CronSchedule.Parse("30 2 * * *", "Europe/Berlin");

        var spring = cron!.Between(new DateTimeOffset(2031, 3, 29, 12, 0, 0, TimeSpan.Zero), new DateTimeOffset(2031, 3, 31, 12, 0, 0, TimeSpan.Zero), 10);
        var autumn = cron.Between(new DateTimeOffset(2031, 10, 25, 12, 0, 0, TimeSpan.Zero), new DateTimeOffset(2031, 10, 27, 12, 0, 0, TimeSpan.Zero), 10);

        Assert.Equal(2, spring.Count);   // 30 March (02:30 does not exist: fired once, at the shift) and 31 March
        Assert.Equal(new DateTimeOffset(2031, 3, 31, 0, 30, 0, TimeSpan.Zero), spring[1].ToUniversalTime());
        Assert.Equal(2, autumn.Count);   // 26 October's 02:30 happens twice on the clock, fires once
        Assert.Equal(new DateTimeOffset(2031, 10, 27, 1, 30, 0, TimeSpan.Zero), autumn[1].ToUniversalTime());
    }

    [Fact]
    public void Six_fields_mean_seconds_first_and_bad_input_names_the_wrong_part()
    {
        var (everyTenSeconds, _, _) = CronSchedule.Parse("*/10 * * * * *", "UTC");
        var (_, cronError, _) = CronSchedule.Parse("61 * * * *", "UTC");
        var (_, _, zoneError) = CronSchedule.Parse("0 * * * *", "Mars/Olympus_Mons");

        Assert.Equal(new DateTimeOffset(2031, 1, 1, 0, 0, 10, TimeSpan.Zero), everyTenSeconds!.Next(new DateTimeOffset(2031, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.NotNull(cronError);
        Assert.Contains("Mars/Olympus_Mons", zoneError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0 0,59 0,23 * * *", 2, 60)]     // the day's last (23:59) to the next day's first (00:00)
    [InlineData("0 0,59 0,23 * * *", 1, null)]   // exactly the minimum is allowed
    [InlineData("0 */5 * * * *", 10, 300)]
    [InlineData("0 0 9 * * MON", 60, null)]
    public void The_shortest_interval_is_reported_only_under_the_minimum(string expression, int minimumMinutes, int? shortestSeconds)
    {
        var (cron, _, _) = CronSchedule.Parse(expression, "Europe/Berlin");

        Assert.Equal(shortestSeconds is { } s ? TimeSpan.FromSeconds(s) : null, cron!.IntervalUnder(TimeSpan.FromMinutes(minimumMinutes)));
    }

    [Fact]
    public void The_latest_fire_time_after_a_year_of_seconds_is_found_without_walking_them()
    {
        var (cron, _, _) = CronSchedule.Parse("*/7 * * * * *", "America/New_York");
        var due = new DateTimeOffset(2031, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var now = new DateTimeOffset(2032, 1, 1, 0, 0, 3, TimeSpan.Zero);

        var latest = cron!.LatestUntil(due, now);

        Assert.True(latest <= now && cron.Next(latest) > now, $"{latest:O} is not the latest fire time until {now:O}");
        Assert.Equal(new DateTimeOffset(2032, 1, 1, 0, 0, 0, TimeSpan.Zero), latest);
    }
}
