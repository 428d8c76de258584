using Reports.AppHost.Dashboard;
using Reports.AppHost.Hosting;
using Reports.AppHost.Processes;
using Reports.Tests.AppHost;

namespace Reports.Tests.Telemetry;

/// <summary>Stop and start from the dashboard: the supervisor stops the process, does not restart it, then starts it again.</summary>
public sealed class DashboardControlTests
{
    [Fact]
    public async Task A_resource_stopped_by_hand_stays_stopped_until_started_and_counts_no_restart()
    {
        var harness = new SupervisorHarness();
        var supervisor = harness.Supervise("sleeper", "exec sleep 60");
        var controls = new ResourceControls();
        controls.Register([supervisor]);
        using var stopping = new CancellationTokenSource();
        var run = supervisor.RunAsync(SupervisorHarness.NoDependencies, stopping.Token);
        await Poll.UntilAsync(() => harness.States.Get("sleeper").State == ResourceState.Running, "the sleeper runs");
        var first = harness.States.Get("sleeper").Pid!.Value;

        Assert.True(controls.Stop("sleeper"));
        await Poll.UntilAsync(() => harness.States.Get("sleeper").State == ResourceState.Stopped, "the sleeper is stopped");
        Assert.False(controls.Stop("sleeper")); // already stopped
        Assert.False(ProcessTable.IsAlive(first));
        await Task.Delay(200); // a crash would be restarted within milliseconds by the harness's backoff; a stop is not
        Assert.Equal(ResourceState.Stopped, harness.States.Get("sleeper").State);

        Assert.True(controls.Start("sleeper"));
        await Poll.UntilAsync(() => harness.States.Get("sleeper") is { State: ResourceState.Running, Pid: { } pid } && pid != first, "the sleeper runs again");
        Assert.Equal(0, harness.States.Get("sleeper").Restarts);
        Assert.Null(controls.Stop("nobody"));

        await stopping.CancelAsync();
        await run;
        Assert.Equal(ResourceState.Stopped, harness.States.Get("sleeper").State);
    }
}
