using Microsoft.Extensions.Logging;
using Reports.Core.Jobs;
using Reports.Core.Storage;
using Reports.Core.Telemetry;

namespace Reports.Core.Queue;

/// <summary>
/// Accepts a valid job as <c>POST /api/reports</c> does, for any caller in-process: the job and its outbox row are
/// written together, then the message goes on its stream at once. Publishing is best effort: once the job is written it
/// is accepted, and the outbox relay publishes whatever could not be published here.
/// </summary>
public sealed partial class JobSubmission(JobStore store, OutboxRelay relay, JobEvents events, ILogger<JobSubmission> logger) : IAsyncDisposable
{
    /// <summary>How long a submission waits for Redis before leaving the message to the relay.</summary>
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Most jobs one accepting transaction writes.</summary>
    private const int MaxAcceptBatch = 64;

    /// <summary>
    /// Accepts are group-committed with no window of their own: the jobs submitted while the transaction before is
    /// committing go together in the next (one commit for all), so an idle API adds no wait to a request, a busy one
    /// batches as much as it needs. A request still answers only once its own job is written. When PostgreSQL is gone, the
    /// requests waiting behind the failed batch fail with it at once (503, to be retried with their Idempotency-Key).
    /// </summary>
    private readonly GroupCommit<NewReportJob, CreateOutcome?> _accepts = new(
        store.TryCreateManyAsync, TimeSpan.Zero, MaxAcceptBatch, RefusedStatements.Is, LostConnections.Is);

    /// <summary>Accepts the job; null when its owner is at <see cref="NewReportJob.ActiveJobQuota"/> (nothing written).</summary>
    public async Task<CreateOutcome?> SubmitAsync(NewReportJob job, CancellationToken cancellationToken)
    {
        var outcome = await _accepts.WriteAsync(job, cancellationToken);
        if (outcome is { Created: true })
        {
            events.Publish(outcome.Job.Id);
            ReportsMetrics.JobsCreated.Add(1, ReportsMetrics.JobTags(outcome.Job.ReportType, outcome.Job.Queue));
            await PublishAsync(outcome.Job, cancellationToken);
        }

        return outcome;
    }

    /// <summary>
    /// Publishes a job whose outbox row is written; on failure the row stays for the relay. The row is deleted by its id
    /// (<see cref="ReportJob.OutboxRowId"/>) once published; without one it is left to the relay.
    /// </summary>
    public async Task PublishAsync(ReportJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(PublishTimeout);
            await relay.PublishNowAsync(job.Id, job.OutboxRowId, job.Queue, job.TraceParent, timeout.Token).WaitAsync(timeout.Token);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogLeftToRelay(logger, job.Id, e.Message);
        }
    }

    public ValueTask DisposeAsync() => _accepts.DisposeAsync();

    [LoggerMessage(LogLevel.Warning, "Job {JobId} stays on the outbox for the relay: {Error}")]
    private static partial void LogLeftToRelay(ILogger logger, Guid jobId, string error);
}
