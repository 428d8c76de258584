using Reports.Tests.Integration;
using Reports.Worker;

namespace Reports.Tests.Worker;

/// <summary>The wait before a failed job's next attempt: doubled from the base, capped, with jitter; a cap below the base stops the start.</summary>
[Collection(IntegrationGroup.Name)]
public sealed class RetryScheduleTests(Infrastructure infrastructure)
{
    private static readonly WorkerOptions Options = new() { RetryBaseDelay = TimeSpan.FromSeconds(5), RetryMaxDelay = TimeSpan.FromMinutes(10) };

    [Theory]
    [InlineData(1, 2.5, 5)]
    [InlineData(2, 5, 10)]
    [InlineData(4, 20, 40)]
    [InlineData(8, 300, 600)] // 5 s × 2^7 = 640 s, over the cap of 600 s
    [InlineData(40, 300, 600)]
    [InlineData(int.MaxValue, 300, 600)]
    public void The_wait_doubles_from_the_base_up_to_the_cap_and_the_jitter_keeps_it_between_half_and_all_of_that(int attemptsUsed, double least, double most)
    {
        Assert.Equal(least, RetryBackoff.Delay(attemptsUsed, Options.RetryBaseDelay, Options.RetryMaxDelay, jitter: 0).TotalSeconds, 3);
        Assert.Equal(most, RetryBackoff.Delay(attemptsUsed, Options.RetryBaseDelay, Options.RetryMaxDelay, jitter: 0.999_999).TotalSeconds, 3);
        Assert.InRange(RetryBackoff.Delay(attemptsUsed, Options.RetryBaseDelay, Options.RetryMaxDelay, jitter: 0.5).TotalSeconds, least, most);
    }

    [Fact]
    public async Task A_cap_shorter_than_the_base_stops_the_worker_at_start_naming_both_settings()
    {
        await infrastructure.SystemAsync();

        var error = await StartFailure.MessageAsync<WorkerOptions>(b =>
        {
            TestSettings.Apply(b, infrastructure, "retry-cap-worker");
            b.UseSetting("Reports:Worker:RetryBaseDelay", "00:01:00");
            b.UseSetting("Reports:Worker:RetryMaxDelay", "00:00:30");
        });

        Assert.Contains("Reports:Worker:RetryMaxDelay must not be shorter than Reports:Worker:RetryBaseDelay", error, StringComparison.Ordinal);
    }
}
