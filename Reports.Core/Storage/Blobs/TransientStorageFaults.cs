using Azure;
using Polly;
using Polly.Retry;

namespace Reports.Core.Storage.Blobs;

/// <summary>
/// Retries a blob operation through a storage outage of some seconds (refused connections, timeouts, 408/429/5xx),
/// with exponential backoff and jitter, on top of the SDK's own short retries. Longer outages fail the attempt, and
/// the job engine retries the job from its checkpoint.
/// </summary>
internal static class TransientStorageFaults
{
    public static ResiliencePipeline Pipeline { get; } = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
            MaxRetryAttempts = 6,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(250),
            MaxDelay = TimeSpan.FromSeconds(5),
        })
        .Build();

    public static bool IsTransient(Exception e) => e switch
    {
        RequestFailedException { Status: 0 or 408 or 429 or >= 500 } => true,
        HttpRequestException or IOException or TimeoutException => true,
        AggregateException aggregate => aggregate.InnerExceptions.All(IsTransient),
        _ => false,
    };
}
