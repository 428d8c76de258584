namespace Reports.Core.Jobs;

/// <summary>
/// A job this worker holds a lease on. <see cref="Attempt"/> is the fencing token: every write the worker makes
/// is conditional on it, so once another worker has claimed the job this one can change nothing.
/// </summary>
public sealed record ClaimedJob(ReportJob Job, string WorkerId)
{
    public Guid Id => Job.Id;

    public int Attempt => Job.Attempt;

    /// <summary>The attempts used against <see cref="ReportJob.MaxAttempts"/>: claims that did not end in a hand-over.</summary>
    public int AttemptsUsed => Job.Attempt - Job.Released;

    /// <summary>When the lease this claim was given runs out, by the claiming worker's clock, unless it is renewed.</summary>
    public DateTimeOffset LeaseExpiresAt { get; init; }
}
