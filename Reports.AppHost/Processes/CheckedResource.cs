using Reports.AppHost.Hosting;

namespace Reports.AppHost.Processes;

/// <summary>
/// A resource that is not a process of its own: a database created in a server the AppHost runs, or a server given by
/// connection string. It is ready once <c>becomeReady</c> succeeds, and stays Running until the AppHost stops.
/// </summary>
internal sealed class CheckedResource(string name, Func<CancellationToken, Task> becomeReady, ResourceNotifications states) : IResourceRuntime
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Name => name;

    public Task Ready => _ready.Task;

    /// <summary>Waits until <paramref name="probe"/> answers (the given server is reachable), up to <paramref name="deadline"/>.</summary>
    public static Func<CancellationToken, Task> Reachable(string name, Func<CancellationToken, Task<bool>> probe, TimeSpan deadline) => async cancellationToken =>
    {
        try
        {
            await Readiness.WaitAsync(name, exited: null, probe, deadline, cancellationToken);
        }
        catch (TimeoutException e)
        {
            throw new ResourceFailedException($"{name}: the server given by ConnectionStrings__{name} did not answer within {deadline.TotalSeconds:0} s.", e);
        }
    };

    public async Task RunAsync(Func<CancellationToken, Task> dependencies, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(dependencies);
        try
        {
            await dependencies(stopping);
            Publish(ResourceState.Starting);
            await becomeReady(stopping);
            Publish(ResourceState.Running);
            _ready.TrySetResult();
            await Task.Delay(Timeout.Infinite, stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            Publish(ResourceState.Stopped);
        }
        catch (Exception e)
        {
            Publish(ResourceState.Failed);
            _ready.TrySetException(e);
            throw e as ResourceFailedException ?? new ResourceFailedException($"{name} could not start: {e.Message}", e);
        }
        finally
        {
            _ready.TrySetCanceled(CancellationToken.None);
        }
    }

    private void Publish(ResourceState state) => states.Update(name, s => s with { State = state });
}
