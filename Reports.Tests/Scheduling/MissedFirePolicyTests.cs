using Reports.Core.Scheduling;

namespace Reports.Tests.Scheduling;

public sealed class MissedFirePolicyTests
{
    private static readonly DateTimeOffset Now = new(2031, 5, 1, 12, 10, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset[] FiveMissed = [.. Enumerable.Range(7, 5).Select(h => new DateTimeOffset(2031, 5, 1, h, 0, 0, TimeSpan.Zero))];

    [Fact]
    public void Fire_once_makes_one_report_for_the_latest_missed_time_never_a_burst()
    {
        Assert.Equal(FiveMissed[^1], MissedFirePolicy.Choose(MissedFirePolicy.FireOnce, FiveMissed, Now));
    }

    [Fact]
    public void Skip_makes_none_for_missed_times_but_fires_one_that_is_on_time()
    {
        var onTime = new DateTimeOffset(2031, 5, 1, 12, 9, 30, TimeSpan.Zero);

        Assert.Null(MissedFirePolicy.Choose(MissedFirePolicy.SkipMissed, FiveMissed, Now));
        Assert.Equal(onTime, MissedFirePolicy.Choose(MissedFirePolicy.SkipMissed, [.. FiveMissed, onTime], Now));
    }
}
