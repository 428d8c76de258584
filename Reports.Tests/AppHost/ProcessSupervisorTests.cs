using Reports.AppHost.Hosting;
using Reports.AppHost.Processes;

namespace Reports.Tests.AppHost;

public sealed class ProcessSupervisorTests
{
    private readonly SupervisorHarness _harness = new();

    [Fact]
    public async Task A_process_that_keeps_exiting_is_restarted_and_every_restart_is_counted()
    {
        var supervisor = _harness.Supervise("crasher", "exit 3");
        using var stopping = new CancellationTokenSource();

        var run = supervisor.RunAsync(SupervisorHarness.NoDependencies, stopping.Token);
        await Poll.UntilAsync(() => _harness.States.Get("crasher").Restarts >= 3, "three restarts are counted");
        await stopping.CancelAsync();
        await run;

        Assert.Equal(ResourceState.Stopped, _harness.States.Get("crasher").State);
        Assert.Contains(_harness.Logs.Tail(100), line => line.Text.Contains("crasher exited with code 3; restarting in", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_killed_process_is_started_again_with_a_new_pid()
    {
        var supervisor = _harness.Supervise("sleeper", "exec sleep 60");
        using var stopping = new CancellationTokenSource();
        var run = supervisor.RunAsync(SupervisorHarness.NoDependencies, stopping.Token);
        await Poll.UntilAsync(() => _harness.States.Get("sleeper").State == ResourceState.Running, "the sleeper runs");
        var first = _harness.States.Get("sleeper").Pid!.Value;

        Signals.Send(first, Signals.SigKill);
        await Poll.UntilAsync(() => _harness.States.Get("sleeper") is { State: ResourceState.Running, Pid: { } pid } && pid != first, "the sleeper runs again");
        var restarted = _harness.States.Get("sleeper");
        await stopping.CancelAsync();
        await run;

        Assert.Equal(1, restarted.Restarts);
        Assert.Equal(137, restarted.ExitCode); // 128 + SIGKILL: why it was restarted
        Assert.False(ProcessTable.IsAlive(restarted.Pid!.Value));
    }

    [Fact]
    public async Task Stopping_ends_the_process_gracefully_and_leaves_nothing_running()
    {
        // Ready once the shell has installed its SIGTERM handler (before that, SIGTERM would simply kill it).
        var supervisor = _harness.Supervise(
            "graceful",
            "trap 'exit 0' TERM; echo ready; while true; do sleep 0.05; done",
            readiness: _ => Task.FromResult(_harness.Logs.Tail(100).Any(line => line is { Resource: "graceful", Text: "ready" })));
        using var stopping = new CancellationTokenSource();
        var run = supervisor.RunAsync(SupervisorHarness.NoDependencies, stopping.Token);
        await Poll.UntilAsync(() => _harness.States.Get("graceful").State == ResourceState.Running, "it runs");
        var pid = _harness.States.Get("graceful").Pid!.Value;

        await stopping.CancelAsync();
        await run;

        Assert.Equal(ResourceState.Stopped, _harness.States.Get("graceful").State);
        Assert.Equal(0, _harness.States.Get("graceful").ExitCode);
        Assert.Null(_harness.States.Get("graceful").Pid);
        Assert.False(ProcessTable.IsAlive(pid));
    }

    [Fact]
    public async Task A_one_shot_that_exits_0_finishes_and_is_not_restarted()
    {
        var supervisor = _harness.Supervise("once", "exit 0", SupervisorHarness.FastPolicy(runsToCompletion: true));

        await supervisor.RunAsync(SupervisorHarness.NoDependencies, CancellationToken.None);

        Assert.Equal(0, await supervisor.Completed);
        Assert.Equal(ResourceState.Finished, _harness.States.Get("once").State);
        Assert.Equal(0, _harness.States.Get("once").Restarts);
    }

    [Fact]
    public async Task A_one_shot_that_exits_otherwise_fails_with_its_exit_code()
    {
        var supervisor = _harness.Supervise("broken", "exit 4", SupervisorHarness.FastPolicy(runsToCompletion: true));

        var failure = await Assert.ThrowsAsync<ResourceFailedException>(() => supervisor.RunAsync(SupervisorHarness.NoDependencies, CancellationToken.None));

        Assert.Contains("broken exited with code 4", failure.Message, StringComparison.Ordinal);
        Assert.Equal(4, await supervisor.Completed);
        Assert.Equal(ResourceState.Failed, _harness.States.Get("broken").State);
        Assert.Equal(0, _harness.States.Get("broken").Restarts);
    }

    [Fact]
    public async Task A_server_that_cannot_start_the_first_time_fails_instead_of_retrying()
    {
        var policy = SupervisorHarness.FastPolicy() with { FailOnFirstStartError = true };
        var supervisor = _harness.Supervise("server", "exit 1", policy, readiness: _ => Task.FromResult(false));

        var failure = await Assert.ThrowsAsync<ResourceFailedException>(() => supervisor.RunAsync(SupervisorHarness.NoDependencies, CancellationToken.None));

        Assert.Contains("server could not start", failure.Message, StringComparison.Ordinal);
        Assert.Equal(ResourceState.Failed, _harness.States.Get("server").State);
        await Assert.ThrowsAnyAsync<Exception>(() => supervisor.Ready);
    }

    [Fact]
    public async Task A_resource_starts_only_once_what_it_waits_for_is_ready()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var server = _harness.Supervise("server", "exec sleep 60", readiness: _ => Task.FromResult(gate.Task.IsCompleted));
        var client = _harness.Supervise("client", "exec sleep 60");
        using var stopping = new CancellationTokenSource();

        var runs = new[]
        {
            server.RunAsync(SupervisorHarness.NoDependencies, stopping.Token),
            client.RunAsync(ct => server.Ready.WaitAsync(ct), stopping.Token),
        };
        await Poll.UntilAsync(() => _harness.States.Get("server").State == ResourceState.Starting, "the server is starting");
        var clientWhileServerStarts = _harness.States.Get("client").State;
        gate.SetResult();
        await Poll.UntilAsync(() => _harness.States.Get("client").State == ResourceState.Running, "the client runs");
        await stopping.CancelAsync();
        await Task.WhenAll(runs);

        Assert.Equal(ResourceState.Waiting, clientWhileServerStarts);
        Assert.Equal(ResourceState.Stopped, _harness.States.Get("server").State);
        Assert.Equal(ResourceState.Stopped, _harness.States.Get("client").State);
    }
}
