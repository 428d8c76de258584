using System.Diagnostics;

namespace Reports.Bench.Measurement;

/// <summary>What one open-loop load run measured: latencies in milliseconds (ascending), failures and achieved rate.</summary>
internal sealed record LoadResult(IReadOnlyList<double> LatenciesMs, int Failures, double Seconds)
{
    public double P50 => Summary.Percentile(LatenciesMs, 50);
    public double P99 => Summary.Percentile(LatenciesMs, 99);
    public double RequestsPerSecond => LatenciesMs.Count / Seconds;
}

/// <summary>
/// A bounded, open-loop load generator: requests start on a fixed schedule (<c>rate</c> per second) whatever the
/// answers, at most <c>maxInFlight</c> at once, for at most <c>duration</c>. Latency counts from the scheduled start, so a
/// server that stalls is charged for the requests that queue behind it (no coordinated omission).
/// </summary>
internal static class OpenLoopLoad
{
    public static async Task<LoadResult> RunAsync(
        double rate, TimeSpan duration, int maxInFlight, Func<CancellationToken, Task> request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rate);
        var latencies = new List<double>();
        var failures = 0;
        using var slots = new SemaphoreSlim(maxInFlight);
        var running = new List<Task>();
        var clock = Stopwatch.StartNew();
        for (long i = 0; ; i++)
        {
            var scheduled = TimeSpan.FromSeconds(i / rate);
            if (scheduled >= duration || cancellationToken.IsCancellationRequested)
            {
                break;
            }

            var wait = scheduled - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }

            await slots.WaitAsync(cancellationToken);
            running.Add(SendAsync(scheduled));
        }

        await Task.WhenAll(running);
        latencies.Sort();
        return new LoadResult(latencies, failures, clock.Elapsed.TotalSeconds);

        async Task SendAsync(TimeSpan scheduled)
        {
            try
            {
                await request(cancellationToken);
                var latency = (clock.Elapsed - scheduled).TotalMilliseconds;
                lock (latencies)
                {
                    latencies.Add(latency);
                }
            }
            catch (Exception e) when (e is HttpRequestException or InvalidOperationException or TaskCanceledException)
            {
                Interlocked.Increment(ref failures);
            }
            finally
            {
                slots.Release();
            }
        }
    }
}
