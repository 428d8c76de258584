using Reports.Core.Webhooks;
using Reports.Worker.Webhooks;

namespace Reports.Tests.Webhooks;

public sealed class WebhookBackoffTests
{
    private static readonly DateTimeOffset Created = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(1, 15, 30)]
    [InlineData(2, 30, 60)]
    [InlineData(5, 240, 480)]
    [InlineData(12, 1800, 3600)]
    public void The_next_attempt_doubles_from_the_base_with_jitter_up_to_the_cap(int attempts, double minSeconds, double maxSeconds)
    {
        var options = new WebhookOptions { RetryBaseDelay = TimeSpan.FromSeconds(30), MaxRetryDelay = TimeSpan.FromHours(1) };
        for (var i = 0; i < 100; i++)
        {
            var delay = WebhookBackoff.NextAttempt(attempts, Created, Created, options)!.Value - Created;
            Assert.InRange(delay.TotalSeconds, minSeconds, maxSeconds);
        }
    }

    [Fact]
    public void There_is_no_next_attempt_once_it_would_fall_after_the_retry_period()
    {
        var options = new WebhookOptions { RetryBaseDelay = TimeSpan.FromMinutes(30), MaxRetryDelay = TimeSpan.FromHours(1), RetryPeriod = TimeSpan.FromHours(24) };

        Assert.Null(WebhookBackoff.NextAttempt(3, Created, Created + TimeSpan.FromHours(23.9), options));
        Assert.NotNull(WebhookBackoff.NextAttempt(3, Created, Created + TimeSpan.FromHours(22), options));
    }
}
