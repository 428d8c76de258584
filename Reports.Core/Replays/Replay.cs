using System.Text.Json;

namespace Reports.Core.Replays;

/// <summary>What a replay puts through again.</summary>
public static class ReplayKind
{
    /// <summary>Dead letters (failed reports): each becomes a new job that links to it.</summary>
    public const string Jobs = "jobs";

    /// <summary>Webhook deliveries that gave up: each is sent again under its own id.</summary>
    public const string Webhooks = "webhooks";
}

/// <summary>The states of a replay. Running ⇄ paused; running or paused → cancelled; running → completed.</summary>
public static class ReplayStatus
{
    public const string Running = "running";
    public const string Paused = "paused";
    public const string Cancelled = "cancelled";
    public const string Completed = "completed";
}

/// <summary>The outcome of one member of a replay.</summary>
public static class ReplayOutcome
{
    /// <summary>Put through again: a new job was made of the dead letter, or the delivery is pending again.</summary>
    public const string Replayed = "replayed";

    /// <summary>Already replayed (by this or another replay) or no longer failed: left alone.</summary>
    public const string Skipped = "skipped";

    /// <summary>Could not be replayed: the report type is no longer in the catalog.</summary>
    public const string Failed = "failed";

    /// <summary>Not reached yet (no outcome stored): a filter value for listing members, never stored.</summary>
    public const string Pending = "pending";

    public static readonly IReadOnlyList<string> All = [Replayed, Skipped, Failed, Pending];
}

/// <summary>A replay as stored: its selection's filter and its progress.</summary>
public sealed record Replay
{
    public required Guid Id { get; init; }
    public required string Kind { get; init; }
    public required string Status { get; init; }
    public required JsonElement Filter { get; init; }
    public required string CreatedBy { get; init; }
    public required int Selected { get; init; }
    public required int Replayed { get; init; }
    public required int Skipped { get; init; }
    public required int Failed { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public string? LeaseOwner { get; init; }

    /// <summary>Since when its runner waits for the queues to drain (backpressure); null while it steps or waits its turn.</summary>
    public DateTimeOffset? HeldSince { get; init; }
}

/// <summary>A member of a replay and what became of it.</summary>
public sealed record ReplayItem(int Position, Guid ItemId, string? Outcome, Guid? ReplayedAs, DateTimeOffset? DoneAt);

/// <summary>
/// A preview: how many a filter selects, counted up to <see cref="ReplayStore.PreviewCountCap"/> (<see cref="CountCapped"/>
/// when there are more: "10,000+"), how many of those were replayed already, and the first few.
/// </summary>
public sealed record ReplayPreview<T>(int Count, bool CountCapped, int AlreadyReplayed, IReadOnlyList<T> Sample);

/// <summary>The result of creating a replay: the replay, or why none was made.</summary>
public sealed record ReplayCreation(Replay? Replay, int Matched)
{
    public bool IsEmpty => Replay is null && Matched == 0;

    public bool IsTooLarge => Replay is null && Matched > 0;
}
