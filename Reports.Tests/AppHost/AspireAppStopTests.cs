using Reports.LocalServers;
using Reports.Tests.Integration;

namespace Reports.Tests.AppHost;

/// <summary>Stopping the application leaves none of its processes behind.</summary>
public sealed class AspireAppStopTests
{
    [Fact]
    public async Task Stopping_the_application_ends_every_process_it_started()
    {
        await using var system = new AspireAppHandle();
        await system.App.InitializeAsync();
        await Poll.UntilAsync(() => system.App.Resources().Count(r => r.Name.StartsWith("worker-", StringComparison.Ordinal) && r.Pid is not null) == 2,
            "both worker replicas run", TimeSpan.FromMinutes(2));
        var pids = system.App.SeenPids.ToList();
        Assert.True(pids.Count >= 6, $"redis, postgres, azurite, the api and two workers: {string.Join(", ", pids)}");

        await system.App.StopAsync();

        await Poll.UntilAsync(() => pids.All(pid => ProcessTree.Stat(pid) is null or { State: 'Z' }),
            $"every process has exited: {string.Join(", ", pids.Where(pid => ProcessTree.Stat(pid) is { State: not 'Z' }))}", TimeSpan.FromMinutes(1));
    }

    private sealed class AspireAppHandle : IAsyncDisposable
    {
        public AspireApp App { get; } = new();

        public async ValueTask DisposeAsync()
        {
            await App.DisposeAsync();
            App.Dispose();
        }
    }
}
