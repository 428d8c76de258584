using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Reports.AppHost;

/// <summary>
/// Starts again a long-running resource whose process crashed (exited with a non-zero code: killed, out of memory),
/// after a backoff that doubles up to half a minute, as systemd's <c>Restart=on-failure</c> and Kubernetes do in
/// production. One-shot resources (migrate, initdb) and processes stopped on purpose (exit code 0, the dashboard's Stop)
/// are left alone. This is what lets a developer, or <c>./reports chaos</c>, kill a worker, Redis or PostgreSQL and
/// watch the system recover.
/// </summary>
internal static class CrashRestarts
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    public static IResourceBuilder<T> WithRestartOnCrash<T>(this IResourceBuilder<T> resource) where T : IResource =>
        resource.WithAnnotation(new RestartOnCrashAnnotation());

    public static void Register(IDistributedApplicationBuilder builder) =>
        builder.Eventing.Subscribe<BeforeStartEvent>((started, cancellationToken) =>
        {
            var lifetime = started.Services.GetRequiredService<IHostApplicationLifetime>();
            _ = WatchAsync(started.Services, lifetime.ApplicationStopping);
            return Task.CompletedTask;
        });

    private static async Task WatchAsync(IServiceProvider services, CancellationToken stopping)
    {
        var notifications = services.GetRequiredService<ResourceNotificationService>();
        var commands = services.GetRequiredService<ResourceCommandService>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(CrashRestarts));
        var crashes = new Dictionary<string, int>(StringComparer.Ordinal);
        try
        {
            await foreach (var change in notifications.WatchAsync(stopping))
            {
                var state = change.Snapshot.State?.Text;
                if (!change.Resource.HasAnnotationOfType<RestartOnCrashAnnotation>())
                {
                    continue;
                }

                if (state == KnownResourceStates.Running && change.Snapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy)
                {
                    crashes.Remove(change.ResourceId);
                }
                else if (state is not null && KnownResourceStates.TerminalStates.Contains(state) && change.Snapshot.ExitCode is { } code and not 0)
                {
                    var count = crashes[change.ResourceId] = crashes.GetValueOrDefault(change.ResourceId) + 1;
                    var delay = TimeSpan.FromTicks(Math.Min(MaxDelay.Ticks, FirstDelay.Ticks << Math.Min(count - 1, 5)));
                    logger.LogWarning("{Resource} exited with code {ExitCode}; starting it again in {Delay} s", change.ResourceId, code, delay.TotalSeconds);
                    _ = RestartAsync(commands, change.ResourceId, delay, logger, stopping);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private static async Task RestartAsync(ResourceCommandService commands, string resourceId, TimeSpan delay, ILogger logger, CancellationToken stopping)
    {
        try
        {
            await Task.Delay(delay, stopping);
            var result = await commands.ExecuteCommandAsync(resourceId, KnownResourceCommands.StartCommand, stopping);
            if (!result.Success)
            {
                logger.LogError("Could not start {Resource} again: {Message}", resourceId, result.Message);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping: nothing to restart.
        }
    }

    private sealed class RestartOnCrashAnnotation : IResourceAnnotation;
}
