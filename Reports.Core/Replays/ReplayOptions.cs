using System.ComponentModel.DataAnnotations;

namespace Reports.Core.Replays;

/// <summary>Bulk replay settings (<c>Reports:Replay</c>): how fast a replay feeds the queues, and how much it may select.</summary>
public sealed class ReplayOptions
{
    public const string SectionName = "Reports:Replay";

    /// <summary>Dead letters (or webhook deliveries) one replay puts back per second, at most.</summary>
    [Range(1, 10_000)]
    public int JobsPerSecond { get; set; } = 20;

    /// <summary>Items replayed in one step (one transaction); a step never takes more than one second's worth.</summary>
    [Range(1, 1_000)]
    public int BatchSize { get; set; } = 50;

    /// <summary>
    /// Backpressure: while this many jobs wait queued on the replay's queues, the replay waits too, so new reports are
    /// never stuck behind a replay.
    /// </summary>
    [Range(1, 10_000_000)]
    public int MaxQueued { get; set; } = 1_000;

    /// <summary>The largest selection one replay may take; a filter that matches more is refused (narrow it).</summary>
    [Range(1, 1_000_000)]
    public int MaxSelection { get; set; } = 100_000;

    /// <summary>How long a runner holds a replay without renewing; then another worker's runner takes it over.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often an idle runner looks for a replay to run.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Items per step: no more than <see cref="BatchSize"/>, and no more than one second's worth.</summary>
    public int StepSize => Math.Min(BatchSize, JobsPerSecond);

    /// <summary>The pause after a step of <paramref name="items"/> items that keeps the replay at <see cref="JobsPerSecond"/>.</summary>
    public TimeSpan PauseAfter(int items) => TimeSpan.FromSeconds((double)Math.Max(items, 1) / JobsPerSecond);
}
