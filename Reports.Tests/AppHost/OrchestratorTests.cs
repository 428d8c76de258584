using Reports.AppHost.Hosting;
using Reports.AppHost.Processes;

namespace Reports.Tests.AppHost;

/// <summary>The AppHost's run loop on a Redis-only topology: real redis-server processes, in a data folder of the test's own.</summary>
public sealed class OrchestratorTests : IDisposable
{
    private readonly TemporaryFolder _data = new();
    private readonly ResourceNotifications _states = new();
    private readonly ResourceLogs _logs = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task A_started_redis_is_given_to_the_services_and_stopped_with_the_AppHost()
    {
        var builder = DistributedApplication.CreateBuilder(new AppHostOptions { DataDirectory = _data.Path });
        var redis = builder.AddRedis("redis");
        using var file = new ResourcesFile(_data.Path, _states);
        using var stopping = new CancellationTokenSource();

        var run = new Orchestrator(builder.Build(), _states, _logs).RunAsync(stopping.Token);
        await Poll.UntilAsync(() => _states.Current() is [{ State: ResourceState.Running }], "redis runs");
        var running = _states.Get("redis");
        var written = ResourcesFile.Read(file.Path).Single(r => r.Name == "redis");
        await stopping.CancelAsync();

        Assert.Equal(0, await run);
        Assert.Equal($"127.0.0.1:{redis.Resource.Port}", running.ConnectionString);
        Assert.Equal(running.ConnectionString, written.ConnectionString);
        Assert.Equal(running.Pid, written.Pid);
        Assert.True(Directory.Exists(Path.Combine(_data.Path, "redis")));
        Assert.False(ProcessTable.IsAlive(running.Pid!.Value));
        Assert.Equal(ResourceState.Stopped, _states.Get("redis").State);
    }

    [Fact]
    public async Task A_given_redis_is_health_checked_and_no_server_is_started()
    {
        await using var existing = await RedisServer.StartAsync(Path.Combine(_data.Path, "existing"), FreePort.Next(), _ => { }, CancellationToken.None);
        var options = new AppHostOptions
        {
            DataDirectory = Path.Combine(_data.Path, "apphost"),
            ConnectionStrings = new Dictionary<string, string> { ["redis"] = existing.ConnectionString },
        };
        var builder = DistributedApplication.CreateBuilder(options);
        builder.AddRedis("redis");
        using var stopping = new CancellationTokenSource();

        var run = new Orchestrator(builder.Build(), _states, _logs).RunAsync(stopping.Token);
        await Poll.UntilAsync(() => _states.Current() is [{ State: ResourceState.Running }], "the given redis is reported running");
        var running = _states.Get("redis");
        await stopping.CancelAsync();

        Assert.Equal(0, await run);
        Assert.Null(running.Pid);
        Assert.Equal(existing.ConnectionString, running.ConnectionString);
        Assert.Equal($"{existing.ConnectionString} (given)", running.Endpoint);
        Assert.False(Directory.Exists(Path.Combine(options.DataDirectory, "redis")));
        Assert.True(await existing.PingAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_project_that_was_not_built_stops_the_AppHost_before_anything_starts()
    {
        var builder = DistributedApplication.CreateBuilder(new AppHostOptions { DataDirectory = _data.Path, RepositoryRoot = _data.Path });
        builder.AddRedis("redis");
        builder.AddProject("ghost", "Reports.Ghost");

        var exitCode = await new Orchestrator(builder.Build(), _states, _logs).RunAsync(CancellationToken.None);

        Assert.Equal(Orchestrator.FailureExitCode, exitCode);
        Assert.Contains(_logs.Tail(10), line => line.Resource == "apphost" && line.Text.Contains("Reports.Ghost.dll is missing", StringComparison.Ordinal));
        Assert.Empty(_states.Current());
    }
}
