namespace Reports.Bench.Measurement;

/// <summary>
/// The peak resident set of one process while something runs: VmRSS sampled every 20 ms, and the kernel's own high-water
/// mark (VmHWM, reset at the start), whichever is higher.
/// </summary>
internal sealed class RssSampler : IAsyncDisposable
{
    private readonly int _pid;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;
    private long _sampledPeak;

    private RssSampler(int pid)
    {
        _pid = pid;
        StartRssBytes = ProcStatus.Read(pid)?.RssBytes ?? 0;
        HighWaterMarkReset = ProcStatus.TryResetPeak(pid);
        _sampling = SampleAsync(_stop.Token);
    }

    public long StartRssBytes { get; }

    public bool HighWaterMarkReset { get; }

    public static RssSampler Start(int pid) => new(pid);

    public async Task<long> StopAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        var kernelPeak = HighWaterMarkReset ? ProcStatus.Read(_pid)?.PeakRssBytes ?? 0 : 0;
        return Math.Max(Volatile.Read(ref _sampledPeak), kernelPeak);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        _stop.Dispose();
    }

    private async Task SampleAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        do
        {
            if (ProcStatus.Read(_pid) is { } status && status.RssBytes > _sampledPeak)
            {
                Volatile.Write(ref _sampledPeak, status.RssBytes);
            }
        }
        while (await WaitAsync(timer, cancellationToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
