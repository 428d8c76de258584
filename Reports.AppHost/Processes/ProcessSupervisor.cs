using System.Globalization;
using Reports.AppHost.Hosting;

namespace Reports.AppHost.Processes;

/// <summary>
/// Runs one process for as long as the AppHost runs: starts it once its dependencies are ready, restarts it with
/// exponential backoff when it exits or cannot start, counts the restarts, and stops it gracefully on shutdown.
/// A one-shot (<see cref="SupervisionPolicy.RunsToCompletion"/>) runs once and reports its exit code instead.
/// </summary>
internal sealed class ProcessSupervisor(
    string name,
    ProcessLauncher launch,
    SupervisionPolicy policy,
    ResourceNotifications states,
    Action<string> report,
    TimeProvider? timeProvider = null) : IResourceRuntime
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<int> _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly ManualControl _manual = new();

    public string Name => name;

    public Task Ready => _ready.Task;

    /// <summary>The exit code of a one-shot; what <c>WaitForCompletion</c> waits on.</summary>
    public Task<int> Completed => _completed.Task;

    /// <summary>A one-shot runs once; anything else can be stopped and started again by hand (the dashboard).</summary>
    public bool CanStopAndStart => !policy.RunsToCompletion;

    /// <summary>Stops the process and keeps it stopped until <see cref="RequestStart"/>; false if already stopped by hand.</summary>
    public bool RequestStop() => CanStopAndStart && _manual.RequestStop();

    public bool RequestStart() => CanStopAndStart && _manual.RequestStart();

    public async Task RunAsync(Func<CancellationToken, Task> dependencies, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(dependencies);
        try
        {
            await SuperviseAsync(dependencies, stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            Publish(ResourceState.Stopped);
        }
        catch (Exception e)
        {
            _ready.TrySetException(e);
            _completed.TrySetException(e);
            throw;
        }
        finally
        {
            _ready.TrySetCanceled(CancellationToken.None);
            _completed.TrySetCanceled(CancellationToken.None);
        }
    }

    private async Task SuperviseAsync(Func<CancellationToken, Task> dependencies, CancellationToken stopping)
    {
        Publish(ResourceState.Waiting);
        await dependencies(stopping);
        var backoff = policy.Backoff();
        for (var attempt = 0; ; attempt++)
        {
            Publish(ResourceState.Starting, pid: null);
            var startedAt = _time.GetTimestamp();
            RunningProcess process;
            try
            {
                process = await launch(stopping);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stopping.IsCancellationRequested)
            {
                if (policy.RunsToCompletion || (attempt == 0 && policy.FailOnFirstStartError))
                {
                    Publish(ResourceState.Failed);
                    throw new ResourceFailedException($"{name} could not start: {e.Message}", e);
                }

                await BackOffAsync(backoff.Next(TimeSpan.Zero), $"could not start ({e.Message})", stopping);
                continue;
            }

            Publish(ResourceState.Running, process.Pid);
            _ready.TrySetResult();
            try
            {
                await Task.WhenAny(process.Exited, _manual.StopRequested).WaitAsync(stopping);
            }
            catch (OperationCanceledException)
            {
                await StopAsync(process);
                return;
            }

            if (!process.Exited.IsCompleted)
            {
                await StopAsync(process);
                report($"{name} stopped by hand; it stays stopped until started again");
                await _manual.WaitForStartAsync(stopping);
                continue;
            }

            var exitCode = await process.Exited;
            if (policy.RunsToCompletion)
            {
                Publish(exitCode == 0 ? ResourceState.Finished : ResourceState.Failed, pid: null, exitCode);
                _completed.TrySetResult(exitCode);
                if (exitCode != 0)
                {
                    throw new ResourceFailedException($"{name} exited with code {exitCode}: see its output above.");
                }

                return;
            }

            var uptime = _time.GetElapsedTime(startedAt);
            states.Update(name, s => s with { ExitCode = exitCode });
            await BackOffAsync(backoff.Next(uptime), $"exited with code {exitCode}", stopping);
        }
    }

    private async Task StopAsync(RunningProcess process)
    {
        Publish(ResourceState.Stopping);
        await process.StopAsync(policy.StopDeadline);
        Publish(ResourceState.Stopped, pid: null, exitCode: process.Exited.IsCompleted ? await process.Exited : null);
    }

    /// <summary>Counts a restart and waits out its delay; cancellation (shutdown) ends the supervision.</summary>
    private async Task BackOffAsync(TimeSpan delay, string why, CancellationToken stopping)
    {
        states.Update(name, s => s with { State = ResourceState.Restarting, Pid = null, Restarts = s.Restarts + 1 });
        report($"{name} {why}; restarting in {delay.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s");
        await Task.Delay(delay, _time, stopping);
    }

    private void Publish(ResourceState state) => states.Update(name, s => s with { State = state });

    /// <summary>The exit code shown is the last one, kept while a restarted process runs: it tells why it restarted.</summary>
    private void Publish(ResourceState state, int? pid, int? exitCode = null) =>
        states.Update(name, s => s with { State = state, Pid = pid, ExitCode = exitCode ?? s.ExitCode });
}
