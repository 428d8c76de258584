using Hangfire;
using Reports.Bench.Peers;

namespace Reports.Bench.Peers.Hangfire;

/// <summary>
/// One measured run: an emptied storage, P Hangfire servers of W workers each in this process (P stands for our
/// engine's worker processes, W for the slots each has on the queue), a warm-up batch, then the timed batch.
/// </summary>
internal static class PeerRun
{
    private const int WarmUpJobs = 50;

    public static async Task<PeerResult> RunAsync(PeerOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        GlobalConfiguration.Configuration
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings();
        var counter = new SucceededCounter(TimeProvider.System);
        GlobalJobFilters.Filters.Add(counter);

        await using var storage = await PeerStorage.OpenEmptyAsync(options, cancellationToken);
        var servers = Enumerable.Range(0, options.Processes).Select(i => new BackgroundJobServer(new BackgroundJobServerOptions
        {
            ServerName = $"bench-peer-{i}",
            WorkerCount = options.Workers,
            Queues = ["default"],
            ShutdownTimeout = TimeSpan.FromSeconds(5),
        }, storage.Jobs)).ToList();
        try
        {
            var client = new BackgroundJobClient(storage.Jobs);
            await TinyBatch.RunAsync(client, counter, WarmUpJobs, cancellationToken);
            await Console.Error.WriteLineAsync($"[{options.PeerName}] {PeerProtocol.TimedBatchMarker}: {options.Jobs} jobs, {options.Processes} x {options.Workers} workers");
            var batch = await TinyBatch.RunAsync(client, counter, options.Jobs, cancellationToken);
            await WaitForStorageCountAsync(storage.Jobs, WarmUpJobs + options.Jobs, cancellationToken);
            return new PeerResult
            {
                Peer = options.PeerName,
                Jobs = options.Jobs,
                Workers = options.Workers,
                Processes = options.Processes,
                Seconds = batch.Elapsed.TotalSeconds,
                JobsPerSecond = options.Jobs / batch.Elapsed.TotalSeconds,
                EnqueueSeconds = batch.Enqueueing.TotalSeconds,
            };
        }
        finally
        {
            servers.ForEach(server => server.SendStop()); // all stop together rather than one after another
            servers.ForEach(server => server.Dispose());
        }
    }

    /// <summary>The counter saw every success; the storage must agree before the figure is printed.</summary>
    private static async Task WaitForStorageCountAsync(JobStorage storage, long expected, CancellationToken cancellationToken)
    {
        var monitoring = storage.GetMonitoringApi();
        var deadline = TimeProvider.System.GetTimestamp();
        while (monitoring.GetStatistics().Succeeded < expected)
        {
            if (TimeProvider.System.GetElapsedTime(deadline) > TimeSpan.FromSeconds(30))
            {
                throw new InvalidOperationException($"The storage counts {monitoring.GetStatistics().Succeeded} succeeded jobs, not {expected}.");
            }

            await Task.Delay(50, cancellationToken);
        }
    }
}
