using Microsoft.Extensions.Options;
using Reports.Core.Storage;
using Reports.Core.Webhooks;

namespace Reports.Worker.Webhooks;

/// <summary>
/// Sends the webhook deliveries that the job store queued when jobs became final. Safe on any number of workers: each
/// pass claims due rows with <c>FOR UPDATE SKIP LOCKED</c> and leases them by pushing their next attempt ahead.
/// </summary>
internal sealed partial class WebhookDispatcher(
    WebhookDeliveryStore deliveries,
    WebhookSender sender,
    IOptions<WebhookOptions> options,
    TimeProvider time,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    /// <summary>An attempt in flight holds its row this long past its time limit; then another worker may send it.</summary>
    private static readonly TimeSpan LeaseMargin = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        using var timer = new PeriodicTimer(settings.PollInterval, time);
        do
        {
            try
            {
                IReadOnlyList<WebhookDelivery> due;
                do
                {
                    due = await deliveries.ClaimDueAsync(settings.Concurrency, settings.Timeout + LeaseMargin, stoppingToken);
                    await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = settings.Concurrency, CancellationToken = stoppingToken },
                        async (delivery, cancellationToken) => await DeliverAsync(delivery, cancellationToken));
                }
                while (due.Count == settings.Concurrency);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogPassFailed(logger, e.Message, settings.PollInterval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One attempt of one claimed delivery, recorded. An error here leaves the row to be retried after its lease.</summary>
    internal async Task DeliverAsync(WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        try
        {
            var outcome = await sender.SendAsync(delivery, cancellationToken);
            var attempts = delivery.Attempts + 1;
            Reports.Core.Telemetry.ReportsMetrics.WebhookDeliveries.Add(1, new KeyValuePair<string, object?>("outcome", outcome.Result.ToString().ToLowerInvariant()));
            var retryAt = outcome.Result == DeliveryResult.Retry
                ? WebhookBackoff.NextAttempt(attempts - delivery.AttemptsBeforeReplay, delivery.RetryFrom ?? delivery.CreatedAt, time.GetUtcNow(), options.Value)
                : (DateTimeOffset?)null;
            var recorded = outcome.Result == DeliveryResult.Delivered
                ? await deliveries.RecordDeliveredAsync(delivery, outcome.StatusCode!.Value, cancellationToken)
                : await deliveries.RecordFailedAsync(delivery, outcome.Result == DeliveryResult.Retry ? outcome.StatusCode : null,
                    outcome.ErrorCode!, outcome.Error!, retryAt, cancellationToken);
            if (!recorded)
            {
                LogClaimLost(logger, delivery.Id, delivery.JobId);
            }
            else if (outcome.Result == DeliveryResult.Delivered)
            {
                LogDelivered(logger, delivery.Id, delivery.JobId, delivery.Event, attempts);
            }
            else if (retryAt is { } next)
            {
                LogAttemptFailed(logger, delivery.Id, delivery.JobId, attempts, outcome.Detail!, next);
            }
            else
            {
                LogRefused(logger, delivery.Id, delivery.JobId, outcome.Detail!);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogDeliveryError(logger, e, delivery.Id, delivery.JobId);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Webhook {DeliveryId} of job {JobId}: this attempt outlived its claim (claimed again or replayed since); its outcome is not recorded")]
    private static partial void LogClaimLost(ILogger logger, Guid deliveryId, Guid jobId);

    [LoggerMessage(LogLevel.Information, "Webhook {DeliveryId} of job {JobId} ({Event}) delivered at attempt {Attempts}")]
    private static partial void LogDelivered(ILogger logger, Guid deliveryId, Guid jobId, string @event, int attempts);

    [LoggerMessage(LogLevel.Warning, "Webhook {DeliveryId} of job {JobId} attempt {Attempts} failed: {Error}; next attempt {RetryAt} (none: failed)")]
    private static partial void LogAttemptFailed(ILogger logger, Guid deliveryId, Guid jobId, int attempts, string error, DateTimeOffset? retryAt);

    [LoggerMessage(LogLevel.Warning, "Webhook {DeliveryId} of job {JobId} failed without retry: {Error}")]
    private static partial void LogRefused(ILogger logger, Guid deliveryId, Guid jobId, string error);

    [LoggerMessage(LogLevel.Warning, "Webhook {DeliveryId} of job {JobId}: attempt not recorded; retried after its lease")]
    private static partial void LogDeliveryError(ILogger logger, Exception e, Guid deliveryId, Guid jobId);

    [LoggerMessage(LogLevel.Warning, "Webhook pass failed ({Error}); next pass in {Interval}")]
    private static partial void LogPassFailed(ILogger logger, string error, TimeSpan interval);
}
