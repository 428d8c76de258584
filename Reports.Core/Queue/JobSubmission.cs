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
public sealed partial class JobSubmission(JobStore store, OutboxRelay relay, JobEvents events, ILogger<JobSubmission> logger)
{
    /// <summary>How long a submission waits for Redis before leaving the message to the relay.</summary>
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Accepts the job; null when its owner is at <see cref="NewReportJob.ActiveJobQuota"/> (nothing written).</summary>
    public async Task<CreateOutcome?> SubmitAsync(NewReportJob job, CancellationToken cancellationToken)
    {
        var outcome = await store.TryCreateAsync(job, cancellationToken);
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

    [LoggerMessage(LogLevel.Warning, "Job {JobId} stays on the outbox for the relay: {Error}")]
    private static partial void LogLeftToRelay(ILogger logger, Guid jobId, string error);
}
