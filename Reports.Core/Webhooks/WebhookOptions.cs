using System.ComponentModel.DataAnnotations;

namespace Reports.Core.Webhooks;

/// <summary>Webhook delivery settings (<c>Reports:Webhooks</c>).</summary>
public sealed class WebhookOptions
{
    public const string SectionName = "Reports:Webhooks";

    /// <summary>Allow targets on loopback addresses (tests, local development). Off in production.</summary>
    public bool AllowLoopback { get; set; }

    /// <summary>Allow targets on private, link-local and other non-public addresses. Off in production.</summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>First retry delay of a failed delivery, doubled per attempt (up to <see cref="MaxRetryDelay"/>), with jitter.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest wait between two attempts of one delivery.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "1.00:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long after its event a delivery is still retried; after that it is failed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Longest a single attempt may take, from connecting to reading the answer.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a worker looks for due deliveries.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Deliveries one worker sends at once.</summary>
    [Range(1, 256)]
    public int Concurrency { get; set; } = 8;
}
