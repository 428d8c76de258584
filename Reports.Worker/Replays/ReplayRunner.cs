using Microsoft.Extensions.Options;
using Reports.Core.Catalog;
using Reports.Core.Queue;
using Reports.Core.Replays;
using Reports.Core.Telemetry;

namespace Reports.Worker.Replays;

/// <summary>
/// Runs bulk replays: takes one running replay under a lease (one runner per replay across every worker), then steps
/// through its members in order at <see cref="ReplayOptions.JobsPerSecond"/>. The pause follows each step and never
/// catches up after a slow one, so the rate is a ceiling. A paused, cancelled or taken-over replay is let go at the next
/// step (the fence). A replay whose queues hold <see cref="ReplayOptions.MaxQueued"/> jobs is marked held and let go;
/// the runners take it again after the replays that are not held, once a poll interval has passed.
/// </summary>
internal sealed partial class ReplayRunner(
    ReplaySteps steps,
    OutboxRelay relay,
    ReportCatalog catalog,
    IOptions<ReplayOptions> options,
    IOptions<WorkerOptions> worker,
    TimeProvider time,
    ILogger<ReplayRunner> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var budgets = catalog.All.ToDictionary(r => r.Name, r => new ReplayBudget(r.MaxAttempts, r.Version), StringComparer.Ordinal);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await steps.ClaimAsync(worker.Value.Id, settings.Lease, stoppingToken) is { } claim
                    && !await RunAsync(claim, budgets, settings, stoppingToken))
                {
                    continue;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogPassFailed(logger, e.Message, settings.PollInterval);
            }

            await Task.Delay(settings.PollInterval, time, stoppingToken);
        }
    }

    /// <returns>True when the replay was let go because its queues are full (held): wait before looking again.</returns>
    private async Task<bool> RunAsync(ReplayClaim claim, IReadOnlyDictionary<string, ReplayBudget> budgets, ReplayOptions settings, CancellationToken stoppingToken)
    {
        LogClaimed(logger, claim.Id, claim.Kind, claim.Fence);
        try
        {
            while (true)
            {
                var size = settings.StepSize;
                if (claim.Kind == ReplayKind.Jobs && await steps.QueuedAheadAsync(claim, size, settings.MaxQueued, stoppingToken) >= settings.MaxQueued)
                {
                    // Backpressure: new work first. The replay is marked held and let go, so this runner (and every other)
                    // turns to replays that are not held, and looks at this one again after them.
                    await steps.HoldAsync(claim, stoppingToken);
                    ReportsMetrics.ReplayHeld.Add(1, new KeyValuePair<string, object?>("replay.kind", claim.Kind));
                    return true;
                }

                var step = await steps.StepAsync(claim, size, budgets, settings.Lease, stoppingToken);
                if (step.Lost)
                {
                    await LetGoAsync(claim, stoppingToken);
                    return false;
                }

                ReportsMetrics.ReplayStepped(claim.Kind, step.Replayed, step.Skipped, step.Failed);

                foreach (var entry in step.Queued)
                {
                    await PublishAsync(entry, stoppingToken);
                }

                if (step.Completed)
                {
                    LogCompleted(logger, claim.Id);
                    return false;
                }

                await Task.Delay(settings.PauseAfter(step.Replayed), time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: let the replay go so a runner elsewhere (or this worker restarted) takes it at once.
            await TryReleaseAsync(claim);
            throw;
        }
        catch (Exception e)
        {
            // A database (or other) error: let the replay go now rather than hold it until the lease runs out, so the
            // next pass (here or on another worker) takes it up again at once. If even that fails, the lease expires.
            LogStepFailed(logger, claim.Id, e.Message);
            await TryReleaseAsync(claim);
            throw;
        }
    }

    private async Task LetGoAsync(ReplayClaim claim, CancellationToken cancellationToken)
    {
        await steps.ReleaseAsync(claim, cancellationToken); // fenced: a runner that took it over keeps it
        LogLetGo(logger, claim.Id);
    }

    private async Task TryReleaseAsync(ReplayClaim claim)
    {
        using var release = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await steps.ReleaseAsync(claim, release.Token);
        }
        catch (Exception e) when (e is not OperationCanceledException || release.IsCancellationRequested)
        {
            LogReleaseFailed(logger, claim.Id, e.Message);
        }
    }

    /// <summary>Publishes a replayed job now; if that fails, its outbox row is still there for the relay.</summary>
    private async Task PublishAsync(OutboxEntry entry, CancellationToken cancellationToken)
    {
        try
        {
            await relay.PublishNowAsync(entry.JobId, entry.OutboxRowId, entry.Queue, entry.TraceParent, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogPublishDeferred(logger, entry.JobId, e.Message);
        }
    }

    [LoggerMessage(LogLevel.Information, "Replay {ReplayId} ({Kind}) taken by this runner, fence {Fence}")]
    private static partial void LogClaimed(ILogger logger, Guid replayId, string kind, long fence);

    [LoggerMessage(LogLevel.Information, "Replay {ReplayId} completed")]
    private static partial void LogCompleted(ILogger logger, Guid replayId);

    [LoggerMessage(LogLevel.Information, "Replay {ReplayId} let go: paused, cancelled, taken over, or no longer held")]
    private static partial void LogLetGo(ILogger logger, Guid replayId);

    [LoggerMessage(LogLevel.Warning, "Replayed job {JobId} not published now ({Error}); the outbox relay publishes it")]
    private static partial void LogPublishDeferred(ILogger logger, Guid jobId, string error);

    [LoggerMessage(LogLevel.Warning, "Replay {ReplayId} step failed ({Error}); let go for the next pass")]
    private static partial void LogStepFailed(ILogger logger, Guid replayId, string error);

    [LoggerMessage(LogLevel.Warning, "Replay {ReplayId} not released ({Error}); its lease runs out instead")]
    private static partial void LogReleaseFailed(ILogger logger, Guid replayId, string error);

    [LoggerMessage(LogLevel.Warning, "Replay pass failed ({Error}); next pass in {Interval}")]
    private static partial void LogPassFailed(ILogger logger, string error, TimeSpan interval);
}
