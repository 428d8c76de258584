using System.Text.Json;
using Microsoft.Extensions.Options;
using Reports.Core.Catalog;
using Reports.Core.Generation;
using Reports.Core.Generation.Pdf;
using Reports.Core.Jobs;
using Reports.Core.Queue;
using Reports.Core.Storage;
using Reports.Core.Telemetry;

namespace Reports.Worker.Consuming;

/// <summary>
/// Runs one queue message: claim the job in PostgreSQL (no claim, no work), generate under a renewed lease, record the
/// outcome conditionally on the attempt, and only then acknowledge the message, so a crash at any point leaves the
/// message pending for another worker.
/// </summary>
internal sealed class JobRunner(
    JobStore store,
    RedisJobStreams streams,
    ReportCatalog catalog,
    CsvReportGenerator csv,
    PdfReportGenerator pdf,
    IReportFiles files,
    RunningJobs runningJobs,
    JobEvents events,
    IOptions<WorkerOptions> options,
    IOptions<Reports.Core.Retention.RetentionOptions> retention,
    TimeProvider time,
    ILogger<JobRunner> logger)
{
    public async Task RunAsync(JobMessage message, CancellationToken stopping)
    {
        // Continues the trace of the request that created the job (the message's traceparent).
        using var activity = ReportsActivities.StartJob(message.JobId, message.Queue, message.MessageId, message.TraceParent);
        var settings = options.Value;
        ClaimedJob? claim;
        using (ReportsActivities.Source.StartActivity(ReportsActivities.Claim))
        {
            claim = await store.ClaimAsync(message.JobId, settings.Id, settings.Lease, stopping);
        }

        if (claim is null)
        {
            // Finished, running elsewhere under a live lease, cancelled, or a duplicate message: nothing to do.
            logger.LogDebug("Job {JobId} not claimable; dropping message {MessageId}", message.JobId, message.MessageId);
            streams.Acknowledge(message);
            return;
        }

        using var scope = logger.BeginScope(new Dictionary<string, object> { ["JobId"] = claim.Id, ["Attempt"] = claim.Attempt });
        events.Publish(claim.Id);
        var startedAt = time.GetTimestamp();
        JobTelemetry.Claimed(activity, claim, time.GetUtcNow());
        if (claim.Attempt > claim.Job.MaxAttempts)
        {
            await store.FailAsync(claim, new JobError(JobError.AttemptsExhausted,
                $"Gave up after {claim.Job.MaxAttempts} attempts: the job's workers stopped without finishing it."), null, stopping);
            JobTelemetry.Finished(activity, claim, JobTelemetry.Failed, TimeSpan.Zero);
            events.Publish(claim.Id);
            streams.Acknowledge(message);
            return;
        }

        var timeLimit = catalog.Find(claim.Job.ReportType)?.Limits.TimeLimit ?? ReportLimits.Default.TimeLimit;
        await using var heartbeat = new LeaseHeartbeat(store, claim, settings, time, logger);
        using var cancelled = new CancellationTokenSource();
        using var overtime = new CancellationTokenSource(timeLimit, time);
        using var running = CancellationTokenSource.CreateLinkedTokenSource(
            stopping, heartbeat.Lost, runningJobs.Register(claim.Id, cancelled), overtime.Token);
        try
        {
            var file = await GenerateAsync(claim, running.Token);
            bool completed;
            using (var complete = ReportsActivities.Source.StartActivity(ReportsActivities.Complete))
            {
                complete?.SetTag(ReportsActivities.RowsTag, file?.Rows ?? 0);
                complete?.SetTag(ReportsActivities.BytesTag, file?.SizeBytes ?? 0);
                completed = await store.CompleteAsync(claim, file, retention.Value.For(claim.Job.Owner, claim.Job.ReportType), stopping);
            }

            if (completed)
            {
                JobTelemetry.Finished(activity, claim, JobTelemetry.Succeeded, time.GetElapsedTime(startedAt));
                logger.LogInformation("Job {JobId} succeeded: {Rows} rows, {Bytes} bytes", claim.Id, file?.Rows ?? 0, file?.SizeBytes ?? 0);
            }
            else
            {
                // Cancelled (or taken over) while the last block was being committed.
                var cancelledNow = await StopAsync(claim, stopping);
                JobTelemetry.Finished(activity, claim, cancelledNow ? JobTelemetry.Cancelled : JobTelemetry.Lost, time.GetElapsedTime(startedAt));
            }

            streams.Acknowledge(message);
        }
        catch (Exception e) when (e is LeaseLostException || heartbeat.Lost.IsCancellationRequested || cancelled.IsCancellationRequested)
        {
            var cancelledNow = await StopAsync(claim, stopping);
            JobTelemetry.Finished(activity, claim, cancelledNow ? JobTelemetry.Cancelled : JobTelemetry.Lost, time.GetElapsedTime(startedAt));
            if (cancelledNow)
            {
                streams.Acknowledge(message);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Shutting down: hand the job back at once; the outbox re-queues it for the next worker.
            await store.ReleaseAsync(claim, CancellationToken.None);
            await streams.AcknowledgeAsync(message, CancellationToken.None);
            JobTelemetry.Finished(activity, claim, JobTelemetry.Released, time.GetElapsedTime(startedAt));
            logger.LogInformation("Job {JobId} released on shutdown", claim.Id);
        }
        catch (OperationCanceledException) when (overtime.IsCancellationRequested)
        {
            var error = new JobError(JobError.Timeout, $"The report ran longer than its time limit of {timeLimit}.");
            await store.FailAsync(claim, error, null, stopping);
            await DeleteFileAsync(claim, stopping);
            streams.Acknowledge(message);
            JobTelemetry.Finished(activity, claim, JobTelemetry.Failed, time.GetElapsedTime(startedAt));
            logger.LogWarning("Job {JobId} attempt {Attempt} timed out after {TimeLimit}", claim.Id, claim.Attempt, timeLimit);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var permanent = e is ReportDefinitionException;
            var retryAt = !permanent && claim.Attempt < claim.Job.MaxAttempts ? time.GetUtcNow() + Backoff(claim.Attempt) : (DateTimeOffset?)null;
            await store.FailAsync(claim, Describe(e, claim, retryAt), retryAt, stopping);
            streams.Acknowledge(message);
            activity.Fail(e);
            JobTelemetry.Finished(activity, claim, retryAt is null ? JobTelemetry.Failed : JobTelemetry.Retried, time.GetElapsedTime(startedAt));
            logger.LogWarning(e, "Job {JobId} attempt {Attempt} failed; {Next}", claim.Id, claim.Attempt,
                retryAt is null ? "no retry" : $"retry at {retryAt:O}");
        }
        finally
        {
            runningJobs.Unregister(claim.Id);
            events.Publish(claim.Id); // whatever the outcome (completed, failed, cancelled, released); never throws
        }
    }

    /// <summary>
    /// This attempt can no longer write the job: either it was cancelled (confirm it, and delete what was staged), or
    /// another attempt owns the job (leave everything to that one, including the message). True when cancelled.
    /// </summary>
    private async Task<bool> StopAsync(ClaimedJob claim, CancellationToken cancellationToken)
    {
        if (!await store.ConfirmCancelledAsync(claim, cancellationToken))
        {
            logger.LogWarning("Job {JobId} attempt {Attempt} stopped: another attempt owns the job", claim.Id, claim.Attempt);
            return false;
        }

        await DeleteFileAsync(claim, cancellationToken);
        logger.LogInformation("Job {JobId} cancelled; its partial file was deleted", claim.Id);
        return true;
    }

    private async Task DeleteFileAsync(ClaimedJob claim, CancellationToken cancellationToken)
    {
        if (ReportFormats.MakesFile(claim.Job.Format))
        {
            await files.DeleteAsync(BlobNames.For(claim.Job), cancellationToken);
        }
    }

    /// <summary>The file the job made; none for a format without one (its job succeeds once claimed).</summary>
    private async Task<ReportFile?> GenerateAsync(ClaimedJob claim, CancellationToken cancellationToken)
    {
        var job = claim.Job;
        var report = catalog.Find(job.ReportType) ?? throw new ReportDefinitionException($"Unknown report type '{job.ReportType}'.");
        var validation = ParameterValidator.Validate(report, job.Parameters, job.Format);
        var arguments = validation.Arguments ?? throw new ReportDefinitionException(
            "Stored parameters are no longer valid: " + string.Join("; ", validation.Errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
        var checkpoint = job.Checkpoint is { } saved
            ? JsonSerializer.Deserialize<GenerationCheckpoint>(saved) ?? GenerationCheckpoint.Start
            : GenerationCheckpoint.Start;
        var request = new GenerationRequest(job.Id, report, arguments, BlobNames.For(job), BlobNames.DownloadName(job), checkpoint);
        return job.Format switch
        {
            "csv" => await csv.GenerateAsync(request, new ClaimedJobProgress(store, claim, events), cancellationToken),
            "pdf" => await pdf.GenerateAsync(request, new ClaimedJobProgress(store, claim, events), cancellationToken),
            ReportFormats.None => null,
            _ => throw new ReportDefinitionException($"Format '{job.Format}' is not supported."),
        };
    }

    /// <summary>Exponential backoff with full jitter in its upper half: base × 2^(attempt−1) × [0.5, 1).</summary>
    private TimeSpan Backoff(int attempt)
    {
        var ceiling = options.Value.RetryBaseDelay * Math.Pow(2, Math.Min(attempt - 1, 10));
        return ceiling * (0.5 + (Random.Shared.NextDouble() / 2));
    }

    private static JobError Describe(Exception e, ClaimedJob claim, DateTimeOffset? retryAt) => e switch
    {
        ReportDefinitionException definition => new JobError(definition.Code, definition.Message),
        _ when retryAt is null => new JobError(JobError.AttemptsExhausted,
            $"Attempt {claim.Attempt} of {claim.Job.MaxAttempts} failed: {FailureCauses.Of(e)}. {FailureCauses.Details}"),
        _ => new JobError(JobError.AttemptFailed, $"Attempt {claim.Attempt} failed: {FailureCauses.Of(e)}; it is retried. {FailureCauses.Details}"),
    };
}
