using Reports.LocalServers;
using Reports.Bench.Harness;
using Reports.Tests.Integration;

namespace Reports.Tests.Bench;

/// <summary>Each peer runner of benchmark scenario 6 (bench/peers/) on a small batch, against the collection's real servers.</summary>
[Collection(IntegrationGroup.Name)]
public sealed class PeerRunnerTests(Infrastructure infrastructure)
{
    private const int Jobs = 200;

    [Theory]
    [InlineData(PeerCommand.HangfireRedis)]
    [InlineData(PeerCommand.HangfirePostgres)]
    [InlineData(PeerCommand.BullMq)]
    public async Task Peer_RunsEveryJob_AndPrintsItsResultLine(string peer)
    {
        var load = new PeerLoad(Jobs, WorkersPerProcess: 2, Processes: 1, Timeout: TimeSpan.FromMinutes(3));
        var command = PeerCommand.For(peer, ToolPaths.RepositoryRoot, infrastructure.RedisConnectionString, infrastructure.PostgresConnectionString, load);
        // Servers' passwords never go on a command line, where ps shows them.
        var guarded = PeerCommand.For(peer, ToolPaths.RepositoryRoot, infrastructure.RedisConnectionString + ",password=redis-secret",
            infrastructure.PostgresConnectionString + ";Password=postgres-secret", load);
        Assert.DoesNotContain(guarded.Arguments, a => a.Contains("-secret", StringComparison.Ordinal));
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));

        var outcome = await PeerRunner.RunAsync(command, new Dictionary<string, int>(), timeout.Token);

        Assert.Equal(peer, outcome.Result.Peer);
        Assert.Equal(Jobs, outcome.Result.Jobs);
        Assert.Equal(2, outcome.Result.Workers);
        Assert.True(outcome.Result.JobsPerSecond > 0, $"{outcome.Result.JobsPerSecond} jobs/s");
        Assert.True(outcome.Result.EnqueueSeconds > 0);
        // The runner's CPU is sampled from /proc while it may be exiting: only its presence is certain for so short a batch.
        Assert.Contains(PeerRunner.PeerTree, outcome.CpuSeconds.Keys);
    }
}
