namespace Reports.Core.Jobs;

/// <summary>This worker's attempt no longer holds the job: another attempt claimed it, or it was cancelled.</summary>
public sealed class LeaseLostException(Guid jobId, int attempt)
    : Exception($"Job {jobId} attempt {attempt} lost its lease; another attempt owns the job now.")
{
    public Guid JobId { get; } = jobId;

    public int Attempt { get; } = attempt;
}
