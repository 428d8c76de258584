using System.Text.Json;
using Microsoft.Extensions.Options;
using Reports.Core.Catalog;
using Reports.Core.Generation;
using Reports.Core.Generation.Pdf;
using Reports.Core.Generation.Xlsx;
using Reports.Core.Jobs;
using Reports.Core.Sources;
using Reports.Core.Queue;
using Reports.Core.Storage;
using Reports.Core.Telemetry;

namespace Reports.Worker.Consuming;

/// <summary>
/// Runs one queue message: claim the job in PostgreSQL (no claim, no work), generate under a renewed lease (which also
/// keeps the message pending on this worker), record the outcome conditionally on the attempt, and only then
/// acknowledge the message, so a crash at any point leaves the message pending for another worker. Attempts that end
/// in a hand-over (released on shutdown, restarted after storage lost blocks) do not count against the job's attempts.
/// </summary>
internal sealed class JobRunner(
    JobStore store,
    JobCommits commits,
    UnclaimedMessages unclaimed,
    PartitionStore partitions,
    RedisJobStreams streams,
    ReportCatalog catalog,
    RowReportGenerator rows,
    XlsxReportGenerator xlsx,
    PdfReportGenerator pdf,
    SourceConnections sources,
    IReportFiles files,
    RunningJobs runningJobs,
    CancelSignals signals,
    JobEvents events,
    IOptions<WorkerOptions> options,
    IOptions<Reports.Core.Retention.RetentionOptions> retention,
    Reports.Core.Windows.ProcessingWindows windows,
    TimeProvider time,
    ILogger<JobRunner> logger)
{
    /// <param name="slots">The queue's job slots: the job holds one only while it generates, so its claim and its outcome
    /// are written (in batches with other jobs') outside it.</param>
    public async Task RunAsync(JobMessage message, JobSlots slots, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(slots);
        // Continues the trace of the request that created the job (the message's traceparent).
        using var activity = ReportsActivities.StartJob(message.JobId, message.Queue, message.MessageId, message.TraceParent);
        var settings = options.Value;
        ClaimedJob? claim;
        try
        {
            if (await WaitForWindowAsync(message, stopping))
            {
                return;
            }

            using (ReportsActivities.Source.StartActivity(ReportsActivities.Claim))
            {
                claim = await commits.ClaimAsync(message.JobId, stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping before the claim was written (withdrawn from its batch): given back for another worker at once.
            await unclaimed.GiveBackAsync([message]);
            return;
        }

        if (claim is null)
        {
            // Taken over while its job runs under another worker's live lease (whose heartbeat missed holding it): the
            // message is that job's, so it goes back to the lease owner, pending, rather than acknowledged mid-run.
            if (message.TakenOver && await store.LiveLeaseOwnerAsync(message.JobId, stopping) is { } owner)
            {
                if (owner != settings.Id)
                {
                    await streams.HandBackAsync(message, owner, settings.Lease, stopping);
                }

                logger.LogDebug("Job {JobId} runs on {Owner}; message {MessageId} handed back", message.JobId, owner, message.MessageId);
                return;
            }

            // Finished, cancelled, or a duplicate message of a job running elsewhere: nothing to do.
            logger.LogDebug("Job {JobId} not claimable; dropping message {MessageId}", message.JobId, message.MessageId);
            streams.Acknowledge(message);
            return;
        }

        using var scope = logger.BeginScope(new Dictionary<string, object> { ["JobId"] = claim.Id, ["Attempt"] = claim.Attempt });
        events.Publish(claim.Id);
        var startedAt = time.GetTimestamp();
        JobTelemetry.Claimed(activity, claim, time.GetUtcNow());
        if (claim.AttemptsUsed > claim.Job.MaxAttempts)
        {
            var exhausted = await store.FailAsync(claim, new JobError(JobError.AttemptsExhausted,
                $"Gave up after {claim.Job.MaxAttempts} attempts: the job's workers stopped without finishing it."), null, stopping);
            JobTelemetry.Finished(activity, claim, exhausted ? JobTelemetry.Failed : JobTelemetry.Lost, TimeSpan.Zero);
            events.Publish(claim.Id);
            AcknowledgeIf(exhausted, message);
            return;
        }

        var timeLimit = catalog.Find(claim.Job.ReportType)?.Limits.TimeLimit ?? ReportLimits.Default.TimeLimit;
        var inSlot = false;
        await using var heartbeat = new LeaseHeartbeat(store, claim, settings, time, logger, ct => streams.HoldAsync(message, settings.Id, ct),
            () => Volatile.Read(ref inSlot));
        using var cancelled = new CancellationTokenSource();
        using var overtime = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time); // from when the job has a slot
        var slotWaits = SlotWaitTime.Begin();
        using var running = CancellationTokenSource.CreateLinkedTokenSource(
            stopping, heartbeat.Lost, runningJobs.Register(claim.Id, cancelled), overtime.Token);

        // The message is acknowledged only once this attempt's outcome is recorded (a fenced write that went through).
        // When one is refused, another attempt owns the job, and maybe this very message (taken over): left alone.
        try
        {
            using var slot = await slots.EnterAsync(settings.ReadAheadWait, running.Token) ?? throw new NoSlotInTimeException();
            Volatile.Write(ref inSlot, true);
            overtime.CancelAfter(timeLimit);
            ReportFile? file;
            using (var generating = new CancellationTokenSource())
            {
                // Written in the background: from then on a takeover counts this attempt as used. Withdrawn if the job
                // ends before it is sent (its outcome says more).
                commits.Enter(claim, generating.Token);
                try
                {
                    file = await GenerateAsync(claim, message, running.Token);
                }
                finally
                {
                    await generating.CancelAsync();
                }
            }

            slot.Dispose(); // the outcome is written outside the slot, so the next job starts meanwhile
            bool completed;
            using (var complete = ReportsActivities.Source.StartActivity(ReportsActivities.Complete))
            {
                complete?.SetTag(ReportsActivities.RowsTag, file?.Rows ?? 0);
                complete?.SetTag(ReportsActivities.BytesTag, file?.SizeBytes ?? 0);
                completed = await commits.CompleteAsync(claim, file, retention.Value.For(claim.Job.Owner, claim.Job.ReportType), CancellationToken.None); // the report is made: its outcome is written even while stopping
            }

            if (completed)
            {
                JobTelemetry.Finished(activity, claim, JobTelemetry.Succeeded, time.GetElapsedTime(startedAt));
                logger.LogInformation("Job {JobId} succeeded: {Rows} rows, {Bytes} bytes", claim.Id, file?.Rows ?? 0, file?.SizeBytes ?? 0);
                streams.Acknowledge(message);
            }
            else
            {
                // Cancelled (or taken over) while the last block was being committed.
                var cancelledNow = await StopAsync(claim, stopping);
                JobTelemetry.Finished(activity, claim, cancelledNow ? JobTelemetry.Cancelled : JobTelemetry.Lost, time.GetElapsedTime(startedAt));
                AcknowledgeIf(cancelledNow, message);
            }
        }
        catch (Exception e) when (e is LeaseLostException or StaleAttemptException
                                  || heartbeat.Lost.IsCancellationRequested || cancelled.IsCancellationRequested)
        {
            var cancelledNow = await StopAsync(claim, stopping);
            JobTelemetry.Finished(activity, claim, cancelledNow ? JobTelemetry.Cancelled : JobTelemetry.Lost, time.GetElapsedTime(startedAt));
            AcknowledgeIf(cancelledNow, message);
        }
        catch (NoSlotInTimeException)
        {
            // Read ahead, then held up behind a long job: handed back for a free worker, using no attempt (not cancelled
            // by the stop: a hand-back cut short leaves the job to wait out its lease). Should the release fail, the
            // message stays pending and the job is taken over once its lease runs out.
            if (await store.ReleaseAsync(claim, CancellationToken.None))
            {
                JobTelemetry.Finished(activity, claim, JobTelemetry.Released, time.GetElapsedTime(startedAt));
                streams.Acknowledge(message);
                logger.LogInformation("Job {JobId} waited {Wait} for a slot on this worker: handed back", claim.Id, settings.ReadAheadWait);
            }
            else
            {
                // Not running under this attempt any more: cancelled meanwhile (confirmed here), or taken over.
                var cancelledNow = await StopAsync(claim, CancellationToken.None);
                JobTelemetry.Finished(activity, claim, cancelledNow ? JobTelemetry.Cancelled : JobTelemetry.Lost, time.GetElapsedTime(startedAt));
                AcknowledgeIf(cancelledNow, message);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Shutting down: hand the job back at once; the outbox re-queues it for the next worker.
            var released = await store.ReleaseAsync(claim, CancellationToken.None);
            if (released)
            {
                await streams.AcknowledgeAsync(message, CancellationToken.None);
                logger.LogInformation("Job {JobId} released on shutdown", claim.Id);
            }

            JobTelemetry.Finished(activity, claim, released ? JobTelemetry.Released : JobTelemetry.Lost, time.GetElapsedTime(startedAt));
        }
        catch (OperationCanceledException) when (overtime.IsCancellationRequested)
        {
            var source = catalog.Find(claim.Job.ReportType)?.Source ?? "";
            var error = new JobError(JobError.Timeout, $"The report ran longer than its time limit of {timeLimit}.{slotWaits.Describe(source)}");
            if (await store.FailAsync(claim, error, null, stopping))
            {
                // Only now is the file this attempt's to delete: had a newer attempt taken the job over, it would be that one's.
                await StopHelpersAsync(claim.Id);
                await DeleteFileAsync(claim, stopping);
                streams.Acknowledge(message);
                JobTelemetry.Finished(activity, claim, JobTelemetry.Failed, time.GetElapsedTime(startedAt));
                logger.LogWarning("Job {JobId} attempt {Attempt} timed out after {TimeLimit}", claim.Id, claim.Attempt, timeLimit);
            }
            else
            {
                JobTelemetry.Finished(activity, claim, JobTelemetry.Lost, time.GetElapsedTime(startedAt));
                logger.LogWarning("Job {JobId} attempt {Attempt} timed out, but another attempt owns the job: its file is left alone",
                    claim.Id, claim.Attempt);
            }
        }
        catch (MissingBlocksException e)
        {
            // Storage lost blocks the file needs (it came back empty): retrying the commit can never succeed. The job
            // starts again from the start as a new attempt, whose blocks all carry its own ids; a hand-over, not a failure.
            var restarted = await store.RestartAsync(claim, stopping);
            JobTelemetry.Finished(activity, claim, restarted ? JobTelemetry.Released : JobTelemetry.Lost, time.GetElapsedTime(startedAt));
            AcknowledgeIf(restarted, message);
            logger.LogWarning(e, "Job {JobId} attempt {Attempt} lost blocks in storage; {Next}", claim.Id, claim.Attempt,
                restarted ? "starting again from the start" : "another attempt owns the job");
        }
        catch (ReportDefinitionException e) when (e.Code == JobError.DefinitionChanged && WaitsForItsDefinition(claim) is { } until)
        {
            // During a rolling deploy a worker still on the catalog the job was accepted with may run it: handed back for a
            // moment, using no attempt, until the deploy is surely over.
            var due = time.GetUtcNow() + DefinitionChangeRetry;
            var error = new JobError(JobError.AttemptFailed,
                $"{e.Message} It is handed back until {until:O} (Reports:Worker:DefinitionChangeGrace): a worker on the catalog it was accepted with may run it.");
            var handedBack = await store.HandBackLaterAsync(claim, due, error, stopping);
            AcknowledgeIf(handedBack, message);
            JobTelemetry.Finished(activity, claim, handedBack ? JobTelemetry.Released : JobTelemetry.Lost, time.GetElapsedTime(startedAt));
            logger.LogInformation("Job {JobId} was accepted with another version of {ReportType}: handed back until {Due}",
                claim.Id, claim.Job.ReportType, due);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var permanent = e is ReportDefinitionException;
            var retryAt = !permanent && claim.AttemptsUsed < claim.Job.MaxAttempts ? time.GetUtcNow() + Backoff(claim.AttemptsUsed) : (DateTimeOffset?)null;
            var failed = await store.FailAsync(claim, Describe(e, claim, retryAt), retryAt, stopping);
            if (failed && retryAt is null)
            {
                // Not before a retry: the signal could reach the retry's own attempt.
                await StopHelpersAsync(claim.Id);
            }

            AcknowledgeIf(failed, message);
            activity.Fail(e);
            JobTelemetry.Finished(activity, claim, !failed ? JobTelemetry.Lost : retryAt is null ? JobTelemetry.Failed : JobTelemetry.Retried,
                time.GetElapsedTime(startedAt));
            logger.LogWarning(e, "Job {JobId} attempt {Attempt} failed; {Next}", claim.Id, claim.Attempt,
                !failed ? "another attempt owns the job" : retryAt is null ? "no retry" : $"retry at {retryAt:O}");
        }
        finally
        {
            runningJobs.Unregister(claim.Id, cancelled);
            events.Publish(claim.Id); // whatever the outcome (completed, failed, cancelled, released); never throws
        }
    }

    /// <summary>
    /// A job whose queue or report type is outside its processing window is put to wait instead of claimed, and its
    /// message acknowledged: it holds no slot and no message while it waits, uses no attempt, and the sweeper queues it
    /// again (a new message) when the window opens. A job already running when its window closes is not stopped.
    /// </summary>
    private async Task<bool> WaitForWindowAsync(JobMessage message, CancellationToken stopping)
    {
        // Another queue's window cannot hold this job back: skip the statement when only such windows are closed.
        var closed = windows.ClosedAt(time.GetUtcNow());
        if (!closed.Any(c => c.Name == message.Queue || !QueueNames.IsKnown(c.Name))
            || await store.DeferAsync(message.JobId, closed, stopping) is not { } waiting)
        {
            return false;
        }

        ReportsMetrics.JobsDeferred.Add(1, ReportsMetrics.JobTags(waiting.ReportType, waiting.Queue));
        logger.LogInformation("Job {JobId} waits: {Reason}", waiting.Id, waiting.WaitReason);
        events.Publish(waiting.Id);
        streams.Acknowledge(message);
        return true;
    }

    /// <summary>
    /// Tells the workers reading partitions of the job to stop now rather than at their next write, which the job's
    /// state refuses anyway (best effort: the cancel signal).
    /// </summary>
    private async Task StopHelpersAsync(Guid jobId)
    {
        try
        {
            await signals.PublishAsync(jobId, CancellationToken.None);
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            logger.LogDebug("Could not signal the helpers of job {JobId} to stop ({Error})", jobId, e.Message);
        }
    }

    private void AcknowledgeIf(bool recorded, JobMessage message)
    {
        if (recorded)
        {
            streams.Acknowledge(message);
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
            logger.LogWarning("Job {JobId} attempt {Attempt} stopped: its lease is lost, so another attempt owns the job or soon will",
                claim.Id, claim.Attempt);
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
    private async Task<ReportFile?> GenerateAsync(ClaimedJob claim, JobMessage message, CancellationToken cancellationToken)
    {
        var job = claim.Job;
        var (report, request) = JobGenerationRequest.For(catalog, job, claim.Attempt);
        var progress = new ClaimedJobProgress(store, claim, events);
        var board = new JobPartitions(partitions, streams, events, job.Id, message.Queue, claim, null, options.Value, time, logger);
        try
        {
            return job.Format switch
            {
                ReportFormats.Csv or ReportFormats.Ndjson => await rows.GenerateAsync(request, progress, board, cancellationToken),
                ReportFormats.Xlsx => await xlsx.GenerateAsync(request, progress, cancellationToken),
                ReportFormats.Pdf => await pdf.GenerateAsync(request, progress, board, cancellationToken),
                ReportFormats.None => null,
                _ => throw new ReportDefinitionException($"Format '{job.Format}' is not supported."),
            };
        }
        catch (Exception e) when (job.Format != ReportFormats.None && !cancellationToken.IsCancellationRequested && sources.StatementTimedOut(report, e) is { } timedOut)
        {
            throw timedOut;
        }
    }

    /// <summary>How soon a job handed back for its definition is tried again (by whichever worker takes it).</summary>
    private static readonly TimeSpan DefinitionChangeRetry = TimeSpan.FromSeconds(15);

    private TimeSpan Backoff(int attempt) =>
        RetryBackoff.Delay(attempt, options.Value.RetryBaseDelay, options.Value.RetryMaxDelay, Random.Shared.NextDouble());

    /// <summary>How long after its creation a job whose definition changed is handed back instead of failed; null once that is over.</summary>
    private DateTimeOffset? WaitsForItsDefinition(ClaimedJob claim)
    {
        var until = claim.Job.CreatedAt + options.Value.DefinitionChangeGrace;
        return time.GetUtcNow() < until ? until : null;
    }

    private static JobError Describe(Exception e, ClaimedJob claim, DateTimeOffset? retryAt) => e switch
    {
        ReportDefinitionException definition => new JobError(definition.Code, definition.Message),
        _ when retryAt is null => new JobError(JobError.AttemptsExhausted,
            $"Attempt {claim.AttemptsUsed} of {claim.Job.MaxAttempts} failed: {FailureCauses.Of(e)}. {FailureCauses.Details}"),
        _ => new JobError(JobError.AttemptFailed, $"Attempt {claim.AttemptsUsed} failed: {FailureCauses.Of(e)}; it is retried. {FailureCauses.Details}"),
    };

    /// <summary>A job read ahead found no free slot within <see cref="WorkerOptions.ReadAheadWait"/>.</summary>
    private sealed class NoSlotInTimeException : Exception;
}
