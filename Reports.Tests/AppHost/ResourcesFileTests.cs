using System.Text.Json;
using Reports.AppHost.Hosting;
using Reports.AppHost.Processes;

namespace Reports.Tests.AppHost;

public sealed class ResourcesFileTests : IDisposable
{
    private readonly TemporaryFolder _data = new();
    private readonly ResourceNotifications _states = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public void Each_change_is_written_with_state_pid_endpoint_restarts_and_connection_string()
    {
        using var file = new ResourcesFile(_data.Path, _states);
        _states.Add(new ResourceSnapshot { Name = "redis", Type = "Redis", Endpoint = "127.0.0.1:6400", ConnectionString = "127.0.0.1:6400" });
        _states.Add(new ResourceSnapshot { Name = "api", Type = "Project", Endpoint = "http://localhost:5080" });

        _states.Update("redis", s => s with { State = ResourceState.Running, Pid = 1234, Restarts = 2 });

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_data.Path, "resources.json")));
        var entries = json.RootElement.EnumerateArray().ToDictionary(e => e.GetProperty("name").GetString()!);
        Assert.Equal(Environment.ProcessId, entries["apphost"].GetProperty("pid").GetInt32());
        var redis = entries["redis"];
        Assert.Equal("Running", redis.GetProperty("state").GetString());
        Assert.Equal(1234, redis.GetProperty("pid").GetInt32());
        Assert.Equal("127.0.0.1:6400", redis.GetProperty("endpoint").GetString());
        Assert.Equal(2, redis.GetProperty("restarts").GetInt32());
        Assert.Equal("127.0.0.1:6400", redis.GetProperty("connectionString").GetString());
        Assert.Equal("Waiting", entries["api"].GetProperty("state").GetString());
        Assert.False(entries["api"].TryGetProperty("connectionString", out _));
    }

    [Fact]
    public void On_exit_everything_is_marked_stopped_without_pids_and_no_temporary_file_is_left()
    {
        var file = new ResourcesFile(_data.Path, _states);
        _states.Add(new ResourceSnapshot { Name = "redis", Type = "Redis" });
        _states.Update("redis", s => s with { State = ResourceState.Running, Pid = 1234 });

        file.Dispose();
        _states.Update("redis", s => s with { State = ResourceState.Restarting });

        var records = ResourcesFile.Read(file.Path);
        Assert.All(records, r => Assert.Equal("Stopped", r.State));
        Assert.All(records, r => Assert.Null(r.Pid));
        Assert.Equal(["apphost", "redis"], records.Select(r => r.Name));
        Assert.Equal(["resources.json"], Directory.GetFiles(_data.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void A_missing_or_damaged_file_reads_as_empty()
    {
        var path = Path.Combine(_data.Path, "resources.json");

        Assert.Empty(ResourcesFile.Read(path));
        File.WriteAllText(path, "[{\"name\":");
        Assert.Empty(ResourcesFile.Read(path));
    }
}
