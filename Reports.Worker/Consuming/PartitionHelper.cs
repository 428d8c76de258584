using Microsoft.Extensions.Options;
using Reports.Core.Catalog;
using Reports.Core.Generation;
using Reports.Core.Generation.Partitions;
using Reports.Core.Generation.Pdf;
using Reports.Core.Jobs;
using Reports.Core.Queue;
using Reports.Core.Storage;
using Reports.Core.Telemetry;

namespace Reports.Worker.Consuming;

/// <summary>
/// Runs a request to help with a large report (<see cref="JobMessage.AsksForHelp"/>): draws the job's free partitions
/// (key ranges of a CSV or JSON Lines file, segments of a PDF)
/// one after another, each under a lease of its own, until none is left, then acknowledges the request. Whatever goes
/// wrong with a partition here (a failure, a cancel, this worker stopping) gives it back for another claim to resume
/// from its checkpoint, or to fail the job: the job's own worker reads every partition nobody else does, and it alone
/// records the job's outcome.
/// </summary>
internal sealed class PartitionHelper(
    JobStore jobs,
    PartitionStore partitions,
    RedisJobStreams streams,
    JobEvents events,
    ReportCatalog catalog,
    RowReportGenerator rows,
    PdfReportGenerator pdf,
    RunningJobs runningJobs,
    IOptions<WorkerOptions> options,
    TimeProvider time,
    ILogger<PartitionHelper> logger)
{
    /// <param name="slots">The queue's job slots: help takes one while it draws; none free within
    /// <see cref="WorkerOptions.ReadAheadWait"/>, the request is passed on to another worker.</param>
    public async Task RunAsync(JobMessage message, JobSlots slots, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(slots);
        using var activity = ReportsActivities.StartJob(message.JobId, message.Queue, message.MessageId, message.TraceParent);
        activity?.SetTag(ReportsActivities.HelpTag, true);
        JobSlots.RunningSlot? slot;
        try
        {
            slot = await slots.EnterToHelpAsync(options.Value.ReadAheadWait, stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            slot = null; // stopping while it waited: passed on as if no slot came free, for a worker that stays
        }

        using var held = slot;
        if (slot is null)
        {
            using var bound = new CancellationTokenSource(UnclaimedMessages.Bound); // a stop is no reason to wait for long
            await PassOnAsync(message, stopping.IsCancellationRequested ? bound.Token : stopping);
            return;
        }

        try
        {
            if (await jobs.GetAsync(message.JobId, owner: null, stopping) is { Status: JobStatus.Running } job
                && Request(job) is { } request)
            {
                var board = new JobPartitions(partitions, streams, events, job.Id, message.Queue, owner: null, message, options.Value, time, logger);
                while (!stopping.IsCancellationRequested && await board.ClaimAsync(takeStalled: false, stopping) is { } claimed)
                {
                    await using (claimed)
                    {
                        if (!await ReadAsync(request, claimed, stopping))
                        {
                            break;
                        }
                    }
                }
            }
        }
        catch (Exception e) when (!stopping.IsCancellationRequested)
        {
            // PostgreSQL away, say: help is best effort, and the job's worker reads whatever nobody helps with.
            logger.LogWarning("Could not help with job {JobId} ({Error})", message.JobId, e.Message);
        }

        streams.Acknowledge(message);
    }

    /// <summary>
    /// Read ahead by a busy worker (the job's own, often, which asked for the help a moment ago): while the job runs and
    /// has a partition nobody holds, the request goes back on its queue as a new message for a worker with a free slot,
    /// and this one is acknowledged; the wait for a slot spaces these out (one a
    /// <see cref="WorkerOptions.ReadAheadWait"/> at most). Otherwise (the job over, or every partition left held or done,
    /// which the job's worker watches itself) it is only acknowledged. Either step refused (Redis or PostgreSQL away): it
    /// stays pending, for a takeover a lease later.
    /// </summary>
    private async Task PassOnAsync(JobMessage message, CancellationToken stopping)
    {
        try
        {
            if (await jobs.GetAsync(message.JobId, owner: null, stopping) is { Status: JobStatus.Running }
                && (await partitions.ReadAsync(message.JobId, stopping)).Any(Free))
            {
                await streams.AskForHelpAsync(message.Queue, message.JobId, helpers: 1, message.TraceParent, stopping);
                logger.LogDebug("No slot for help with job {JobId}; message {MessageId} passed on", message.JobId, message.MessageId);
            }

            // Published (or not needed): acknowledged even while stopping, so no second copy goes round.
            await streams.AcknowledgeAsync(message, CancellationToken.None);
        }
        catch (Exception e)
        {
            // Redis or PostgreSQL away, or the stop's bound run out: left for a takeover, a lease later.
            logger.LogWarning("Help with job {JobId} found no slot and could not be passed on ({Error}); message {MessageId} stays pending",
                message.JobId, e.Message, message.MessageId);
        }
    }

    /// <summary>A partition another worker could claim now: not done, and held by no live claim.</summary>
    private bool Free(PartitionState partition) =>
        !partition.Done && (partition.LeaseOwner is null || partition.LeaseExpiresAt <= time.GetUtcNow());

    /// <summary>True when the partition was read whole and recorded done here.</summary>
    private async Task<bool> ReadAsync(GenerationRequest request, IClaimedPartition claimed, CancellationToken stopping)
    {
        var partition = claimed.Claim.Number;
        using var cancelled = new CancellationTokenSource();
        using var running = CancellationTokenSource.CreateLinkedTokenSource(stopping, runningJobs.Register(request.JobId, cancelled));
        try
        {
            await (request.Format == ReportFormats.Pdf
                ? pdf.DrawClaimedSegmentAsync(request, claimed, running.Token)
                : rows.ReadClaimedPartitionAsync(request, claimed, running.Token));
            logger.LogInformation("Partition {Partition} of job {JobId} read", partition, request.JobId);
            return true;
        }
        catch (Exception e) when (e is LeaseLostException || claimed.Lost.IsCancellationRequested || cancelled.IsCancellationRequested)
        {
            logger.LogInformation("Partition {Partition} of job {JobId} stopped: the job no longer runs, or another claim holds the partition",
                partition, request.JobId);
            return false;
        }
        catch (Exception e)
        {
            // Stopping, or a failure here: the generator gave the partition back.
            if (!stopping.IsCancellationRequested)
            {
                logger.LogWarning(e, "Partition {Partition} of job {JobId} failed here; it is given back", partition, request.JobId);
            }

            return false;
        }
        finally
        {
            runningJobs.Unregister(request.JobId, cancelled);
        }
    }

    /// <summary>The job's generation request; none when this worker cannot run the job (the job's own worker will say why).</summary>
    private GenerationRequest? Request(ReportJob job)
    {
        try
        {
            return JobGenerationRequest.For(catalog, job, job.Attempt).Request;
        }
        catch (ReportDefinitionException e)
        {
            logger.LogWarning("Cannot help with job {JobId}: {Error}", job.Id, e.Message);
            return null;
        }
    }
}
