using System.ComponentModel.DataAnnotations;

namespace Reports.Worker;

/// <summary>What this worker serves and how it holds jobs (<c>Reports:Worker</c>).</summary>
public sealed class WorkerOptions
{
    public const string SectionName = "Reports:Worker";

    /// <summary>The consumer name in the streams; unique per process. Defaults to host name and process id.</summary>
    public string Id { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>Queues served, each with its concurrency, e.g. <c>Reports__Worker__Queues__reports=2</c>.</summary>
    public Dictionary<string, int> Queues { get; set; } = new(StringComparer.Ordinal)
    {
        [Core.Queue.QueueNames.Interactive] = 2,
        [Core.Queue.QueueNames.Bulk] = 1,
    };

    /// <summary>How long a claim holds a job without a heartbeat; another worker may take it over after this.</summary>
    [Range(typeof(TimeSpan), "00:00:02", "01:00:00")]
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a running job's lease is renewed; well under <see cref="Lease"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "00:20:00")]
    public TimeSpan Heartbeat { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Group commit: how long a claim or a completion waits for others of this worker to join it in one statement, beyond
    /// the wait for the batch before it (0: none beyond that). Slots do not wait for it (a job holds its slot only while
    /// it generates), so it costs each job this much latency twice and saves PostgreSQL a statement per job it gathers.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:00.100")]
    public TimeSpan GroupCommitWindow { get; set; } = TimeSpan.FromMilliseconds(15);

    /// <summary>
    /// How long a job holds its slot before its entry is written (<c>reports.jobs.entered_attempt</c>, after which a
    /// takeover counts its attempt as used): jobs shorter than this write none. A worker that dies sooner leaves its
    /// attempt counted as unstarted, a hand-over (at most max_attempts times a job). 0: written at once.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10")]
    public TimeSpan SlotEntryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Most claims (or completions) one statement writes.</summary>
    [Range(1, 1_000)]
    public int GroupCommitMaxBatch { get; set; } = 64;

    /// <summary>
    /// Messages a queue loop holds beyond its slots (claimed, waiting for a slot), so that small jobs' claims and outcomes
    /// are written in batches rather than one or two at a time; only as many as its slots would start within
    /// <see cref="ReadAheadWait"/> at the pace of its recent jobs (a queue of long reports reads no further than its
    /// slots). 0: none.
    /// </summary>
    [Range(0, 1_000)]
    public int ReadAhead { get; set; } = 48;

    /// <summary>Longest a job read ahead waits for a slot on this worker before it is handed back for another (using no attempt).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan ReadAheadWait { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the outbox relay and the sweeper of stranded jobs run.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan MaintenanceInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A queued job not claimed for this long is published again, in case Redis lost its message.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "1.00:00:00")]
    public TimeSpan RepublishQueuedAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Most jobs of each kind (due retries, expired leases, queued jobs to publish again) one sweep puts back on the outbox.</summary>
    [Range(1, 100_000)]
    public int RepublishBatchSize { get; set; } = 1000;

    /// <summary>Longest an idle read waits inside Redis for a message (XREADGROUP BLOCK) before the loop reads again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan IdlePoll { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Base of the exponential backoff between attempts of a failing job (doubled each attempt, with jitter).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest wait between two attempts of a failing job: the doubling stops there (at least <see cref="RetryBaseDelay"/>).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How long after it was accepted a job whose report definition differs from this worker's is handed back (every 15 s,
    /// using no attempt) rather than failed with <c>definition_changed</c>: longer than a rolling deploy takes, during
    /// which workers on the old and the new catalog run side by side.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan DefinitionChangeGrace { get; set; } = TimeSpan.FromMinutes(10);
}
