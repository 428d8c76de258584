using System.Text.Json;
using Reports.AppHost.Processes;

namespace Reports.Tests.AppHost;

/// <summary>
/// After an AppHost killed with SIGKILL: its listed processes are stopped only when /proc shows they are ours.
/// "Ours" is recognised by the command line, so the tests run <c>sleep</c> under names like <c>Reports.Sleeper</c>.
/// </summary>
public sealed class OrphanReaperTests : IDisposable
{
    private readonly TemporaryFolder _data = new();
    private readonly List<ChildProcess> _started = [];

    public void Dispose()
    {
        foreach (var process in _started)
        {
            process.Kill();
        }

        _data.Dispose();
    }

    [Fact]
    public async Task Listed_processes_of_ours_are_stopped_and_an_unrelated_process_with_a_listed_pid_is_left_alone()
    {
        var orphan = StartSleep("Reports.Sleeper");
        var unrelated = StartSleep("sleep");
        WriteResources(appHostPid: await DeadPidAsync(), orphan.Id, unrelated.Id);

        var problem = await OrphanReaper.ReapAsync(_data.Path, _ => { }, CancellationToken.None);

        Assert.Null(problem);
        Assert.True(orphan.HasExited || !ProcessTable.IsAlive(orphan.Id));
        Assert.True(ProcessTable.IsAlive(unrelated.Id));
    }

    [Fact]
    public async Task A_live_AppHost_using_the_same_data_is_reported_and_its_processes_are_left_alone()
    {
        var appHost = StartSleep("Reports.AppHost");
        var child = StartSleep("Reports.Sleeper");
        WriteResources(appHost.Id, child.Id);

        var problem = await OrphanReaper.ReapAsync(_data.Path, _ => { }, CancellationToken.None);

        Assert.Contains($"another AppHost (pid {appHost.Id}) is running", problem, StringComparison.Ordinal);
        Assert.True(ProcessTable.IsAlive(child.Id));
    }

    private ChildProcess StartSleep(string name)
    {
        var link = Path.Combine(_data.Path, name);
        if (!File.Exists(link))
        {
            File.CreateSymbolicLink(link, "/bin/sleep");
        }

        var process = ChildProcess.Start(link, ["60"], _ => { });
        _started.Add(process);
        return process;
    }

    private static async Task<int> DeadPidAsync()
    {
        var process = ChildProcess.Start("/bin/true", [], _ => { });
        await process.Exited;
        return process.Id;
    }

    private void WriteResources(int appHostPid, params int[] pids)
    {
        var records = new[] { new { name = "apphost", type = "AppHost", state = "Running", pid = appHostPid } }
            .Concat(pids.Select((pid, i) => new { name = $"resource-{i}", type = "Project", state = "Running", pid }));
        File.WriteAllText(Path.Combine(_data.Path, "resources.json"), JsonSerializer.Serialize(records));
    }
}
