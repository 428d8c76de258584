using Reports.AppHost.Processes;

namespace Reports.Tests.AppHost;

public sealed class RestartBackoffTests
{
    [Fact]
    public void Delays_double_from_one_second_and_stop_growing_at_thirty_seconds()
    {
        var backoff = RestartBackoff.CreateDefault();

        var delays = Enumerable.Range(0, 8).Select(_ => backoff.Next(uptime: TimeSpan.FromSeconds(2)).TotalSeconds);

        Assert.Equal([1, 2, 4, 8, 16, 30, 30, 30], delays);
    }

    [Fact]
    public void A_run_that_stayed_up_a_minute_starts_the_delays_over()
    {
        var backoff = RestartBackoff.CreateDefault();
        backoff.Next(TimeSpan.Zero);
        backoff.Next(TimeSpan.Zero);
        backoff.Next(TimeSpan.Zero);

        Assert.Equal(TimeSpan.FromSeconds(1), backoff.Next(uptime: TimeSpan.FromMinutes(1)));
        Assert.Equal(TimeSpan.FromSeconds(2), backoff.Next(uptime: TimeSpan.FromSeconds(59)));
    }
}
