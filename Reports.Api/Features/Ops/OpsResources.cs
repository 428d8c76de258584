using System.Text.Json;
using Reports.Core.Resources;

namespace Reports.Api.Features.Ops;

/// <summary>A queue: its stream in Redis and its jobs in PostgreSQL. Ages in seconds; null when nothing waits.</summary>
public sealed record QueueResource
{
    public required string Name { get; init; }
    public required long Length { get; init; }
    public required long? Waiting { get; init; }
    public required long Pending { get; init; }
    public required double? OldestWaitingSeconds { get; init; }
    public required long Queued { get; init; }
    public required long Running { get; init; }
    public required long Retrying { get; init; }
    public required double? OldestQueuedSeconds { get; init; }
    public required long SucceededLastMinute { get; init; }
    public required long FailedLastMinute { get; init; }
}

public sealed record QueuesResource(IReadOnlyList<QueueResource> Queues, DateTimeOffset At);

/// <summary>A job a worker holds now.</summary>
public sealed record HeldJobResource(Guid Id, string Type, string Format, long RowsWritten, long? RowsTotal);

/// <summary>
/// A worker: from its heartbeat, and the jobs whose lease it holds. A worker holding jobs without a heartbeat
/// (<c>heartbeatAgeSeconds</c> null) has died or lost Redis; its jobs are taken over once their leases expire.
/// </summary>
public sealed record WorkerResource
{
    public required string Id { get; init; }
    public string? Host { get; init; }
    public int? ProcessId { get; init; }
    public double? HeartbeatAgeSeconds { get; init; }
    public required IReadOnlyDictionary<string, int> Queues { get; init; }
    public required int JobsInProgress { get; init; }
    public required IReadOnlyList<HeldJobResource> Jobs { get; init; }
    public long? WorkingSetBytes { get; init; }
    public long? ManagedHeapBytes { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
}

public sealed record WorkersResource(IReadOnlyList<WorkerResource> Workers, DateTimeOffset At);

public sealed record StateBucketResource(DateTimeOffset Start, long Created, long Succeeded, long Failed, long Cancelled);

/// <summary>Jobs created and jobs finished in each state, per bucket over the window, oldest first.</summary>
public sealed record HistoryResource(int BucketSeconds, IReadOnlyList<StateBucketResource> Buckets, DateTimeOffset At);

public sealed record JobAttemptResource(
    int Attempt, string? Worker, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, double? DurationSeconds, string? Outcome,
    string? ErrorCode, string? Error, long? RowsWritten);

/// <summary>A job as an operator sees it: its status resource, owner, queue, lease, checkpoint and every attempt.</summary>
public sealed record JobDetailResource
{
    public required ReportResource Report { get; init; }
    public required string Owner { get; init; }
    public required string Queue { get; init; }
    public required int MaxAttempts { get; init; }
    public string? LeaseOwner { get; init; }
    public DateTimeOffset? LeaseExpiresAt { get; init; }
    public DateTimeOffset? NextAttemptAt { get; init; }
    public JsonElement? Checkpoint { get; init; }
    public required IReadOnlyList<JobAttemptResource> Attempts { get; init; }
}
