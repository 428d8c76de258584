using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Reports.Hosting;

/// <summary>
/// Starts again a long-running resource whose process crashed (exited with a non-zero code: killed, out of memory),
/// after a backoff that doubles up to half a minute, as systemd's <c>Restart=on-failure</c> and Kubernetes do in
/// production. The backoff starts again from a second only once the process has run healthy for ten seconds, so one
/// that crashes soon after each start is not restarted every second; after five such crashes in a row it is logged as
/// an error (and still restarted, as Kubernetes' CrashLoopBackOff does: the cause may go away). A worker replica is started again after any exit of its own, a clean one too (exit 0 after SIGTERM, a
/// scale-in), as a Kubernetes Deployment replaces a pod whatever its exit code: the AppHost keeps the replica count it
/// was started with. One-shot resources (migrate, initdb) and processes stopped from the dashboard (DCP reports those
/// as Terminated, not Finished) are left alone. This is what lets a developer, or <c>./reports chaos</c>, kill or scale
/// in a worker, kill Redis or PostgreSQL, and watch the system recover.
/// </summary>
public static class CrashRestarts
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StableAfter = TimeSpan.FromSeconds(10);
    private const int CrashLoop = 5;

    public static IResourceBuilder<T> WithRestartOnCrash<T>(this IResourceBuilder<T> resource) where T : IResource =>
        resource.WithAnnotation(new RestartAnnotation(AfterCleanExit: false), ResourceAnnotationMutationBehavior.Replace);

    /// <summary>Restart after any exit of the process's own, exit code 0 included (worker replicas).</summary>
    public static IResourceBuilder<T> WithRestartOnExit<T>(this IResourceBuilder<T> resource) where T : IResource =>
        resource.WithAnnotation(new RestartAnnotation(AfterCleanExit: true), ResourceAnnotationMutationBehavior.Replace);

    public static void Register(IDistributedApplicationBuilder builder) =>
        builder.Eventing.Subscribe<BeforeStartEvent>((started, cancellationToken) =>
        {
            var lifetime = started.Services.GetRequiredService<IHostApplicationLifetime>();
            _ = new Watcher(started.Services).WatchAsync(lifetime.ApplicationStopping);
            return Task.CompletedTask;
        });

    private sealed class Watcher(IServiceProvider services)
    {
        private readonly ResourceNotificationService _notifications = services.GetRequiredService<ResourceNotificationService>();
        private readonly ResourceCommandService _commands = services.GetRequiredService<ResourceCommandService>();
        private readonly ILogger _logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(CrashRestarts));

        /// <summary>Crashes in a row per resource (the backoff), reset once it has run healthy for <see cref="StableAfter"/>.</summary>
        private readonly ConcurrentDictionary<string, int> _crashes = new(StringComparer.Ordinal);

        /// <summary>When each resource's current process became healthy.</summary>
        private readonly ConcurrentDictionary<string, DateTimeOffset> _healthySince = new(StringComparer.Ordinal);

        /// <summary>
        /// Resources with a restart on its way. One exit is announced by several notifications (state, exit code, health,
        /// URLs): without this, each would start the process again, and a second start replaces (kills) the first one.
        /// </summary>
        private readonly ConcurrentDictionary<string, bool> _restarting = new(StringComparer.Ordinal);

        public async Task WatchAsync(CancellationToken stopping)
        {
            try
            {
                await foreach (var change in _notifications.WatchAsync(stopping))
                {
                    if (!change.Resource.TryGetLastAnnotation<RestartAnnotation>(out var policy))
                    {
                        continue;
                    }

                    var snapshot = change.Snapshot;
                    if (snapshot.State?.Text == KnownResourceStates.Running && snapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy)
                    {
                        _healthySince.TryAdd(change.ResourceId, DateTimeOffset.UtcNow);
                    }
                    else if (HasExited(snapshot, policy) && IsStillExited(change.ResourceId, policy) && _restarting.TryAdd(change.ResourceId, true))
                    {
                        _ = RestartAsync(change.ResourceId, policy, NextDelay(change.ResourceId, snapshot.ExitCode), stopping);
                    }
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                // Stopping.
            }
            catch (Exception e)
            {
                _logger.LogError(e, "Crashed resources are no longer started again");
            }
        }

        private static bool HasExited(CustomResourceSnapshot snapshot, RestartAnnotation policy) =>
            snapshot.State?.Text is { } state && KnownResourceStates.TerminalStates.Contains(state)
            && snapshot.ExitCode is { } code && (code != 0 || policy.AfterCleanExit);

        /// <summary>False for a late notification of an exit that is already behind (the process runs again).</summary>
        private bool IsStillExited(string resourceId, RestartAnnotation policy) =>
            _notifications.TryGetCurrentState(resourceId, out var current) && HasExited(current.Snapshot, policy);

        private TimeSpan NextDelay(string resourceId, int? exitCode)
        {
            if (_healthySince.TryRemove(resourceId, out var since) && DateTimeOffset.UtcNow - since >= StableAfter)
            {
                _crashes.TryRemove(resourceId, out _);
            }

            var count = _crashes.AddOrUpdate(resourceId, 1, (_, n) => n + 1);
            var delay = TimeSpan.FromTicks(Math.Min(MaxDelay.Ticks, FirstDelay.Ticks << Math.Min(count - 1, 5)));
            if (count >= CrashLoop)
            {
                _logger.LogError("{Resource} exited with code {ExitCode}, {Count} times in a row soon after starting (see its console log); starting it again in {Delay} s",
                    resourceId, exitCode, count, delay.TotalSeconds);
            }
            else
            {
                _logger.LogWarning("{Resource} exited with code {ExitCode}; starting it again in {Delay} s", resourceId, exitCode, delay.TotalSeconds);
            }

            return delay;
        }

        private async Task RestartAsync(string resourceId, RestartAnnotation policy, TimeSpan delay, CancellationToken stopping)
        {
            try
            {
                // Until it runs again; a start refused is tried again later.
                while (true)
                {
                    await Task.Delay(delay, stopping);
                    if (IsStillExited(resourceId, policy))
                    {
                        var result = await _commands.ExecuteCommandAsync(resourceId, KnownResourceCommands.StartCommand, stopping);
                        if (!result.Success)
                        {
                            delay = MaxDelay;
                            _logger.LogError("Could not start {Resource} again ({Message}); trying again in {Delay} s", resourceId, result.Message, delay.TotalSeconds);
                            continue;
                        }
                    }

                    // The start returns once the resource is Starting or beyond. Had the new process exited meanwhile (a start
                    // waits for the servers it needs, and may take a while), that exit was ignored above: look again.
                    _restarting.TryRemove(resourceId, out _);
                    if (!IsStillExited(resourceId, policy) || !_restarting.TryAdd(resourceId, true))
                    {
                        return;
                    }

                    _notifications.TryGetCurrentState(resourceId, out var current);
                    delay = NextDelay(resourceId, current?.Snapshot.ExitCode);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                _restarting.TryRemove(resourceId, out _); // stopping: nothing to restart
            }
        }
    }

    private sealed record RestartAnnotation(bool AfterCleanExit) : IResourceAnnotation;
}
