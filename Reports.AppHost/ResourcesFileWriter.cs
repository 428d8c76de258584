using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Reports.LocalServers;

namespace Reports.AppHost;

/// <summary>
/// Keeps <c>.data/resources.json</c> (each resource's state, health, pid, endpoint and connection string) written from
/// Aspire's resource notifications, because scripts, the chaos run and the benchmark read it; marks everything stopped
/// when the AppHost stops. It starts before the resources do (BeforeStartEvent), so it sees every change.
/// </summary>
internal sealed class ResourcesFileWriter
{
    private const string PidProperty = "executable.pid";
    private readonly Dictionary<string, ResourceRecord> _records = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly string _path;

    private ResourcesFileWriter(string path) => _path = path;

    public static void Register(IDistributedApplicationBuilder builder, string dataDirectory)
    {
        var writer = new ResourcesFileWriter(Path.Combine(dataDirectory, ResourcesFile.FileName));
        builder.Eventing.Subscribe<BeforeStartEvent>((started, cancellationToken) =>
        {
            var lifetime = started.Services.GetRequiredService<IHostApplicationLifetime>();
            var notifications = started.Services.GetRequiredService<ResourceNotificationService>();
            writer.Write(running: true);
            _ = writer.WatchAsync(notifications, lifetime.ApplicationStopping);
            lifetime.ApplicationStopped.Register(() => writer.Write(running: false));
            return Task.CompletedTask;
        });
    }

    private async Task WatchAsync(ResourceNotificationService notifications, CancellationToken stopping)
    {
        try
        {
            await foreach (var change in notifications.WatchAsync(stopping))
            {
                if (change.Snapshot.IsHidden)
                {
                    continue;
                }

                var record = await RecordAsync(change, stopping);
                lock (_lock)
                {
                    _records[change.ResourceId] = record;
                }

                Write(running: true);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private static async Task<ResourceRecord> RecordAsync(ResourceEvent change, CancellationToken cancellationToken)
    {
        var snapshot = change.Snapshot;
        var launcherPid = snapshot.Properties.FirstOrDefault(p => p.Name == PidProperty)?.Value switch
        {
            int pid => pid,
            long pid => (int)pid,
            string text when int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) => pid,
            _ => (int?)null,
        };
        var state = snapshot.State?.Text ?? "Unknown";
        string? connectionString = null;
        if (change.Resource is IResourceWithConnectionString withConnectionString && state == KnownResourceStates.Running)
        {
            connectionString = await withConnectionString.GetConnectionStringAsync(cancellationToken);
        }

        return new ResourceRecord
        {
            Name = IsReplicated(change.Resource) ? change.ResourceId : change.Resource.Name,
            Type = snapshot.ResourceType,
            State = state,
            Health = snapshot.HealthStatus?.ToString(),
            Pid = launcherPid is { } launcher && state == KnownResourceStates.Running ? ProcessTree.Program(launcher) : null,
            Endpoint = snapshot.Urls.FirstOrDefault(u => !u.IsInternal)?.Url,
            ExitCode = snapshot.ExitCode,
            ConnectionString = connectionString,
        };
    }

    /// <summary>Replicas are named by their instance (<c>worker-x7k2m9qd</c>), other resources by their own name.</summary>
    private static bool IsReplicated(IResource resource) =>
        resource.TryGetLastAnnotation<ReplicaAnnotation>(out var replicas) && replicas.Replicas > 1;

    private void Write(bool running)
    {
        lock (_lock)
        {
            List<ResourceRecord> records =
            [
                new() { Name = ResourcesFile.AppHostName, Type = "AppHost", State = running ? "Running" : "Stopped", Pid = running ? Environment.ProcessId : null },
                .. _records.Values.OrderBy(r => r.Name, StringComparer.Ordinal).Select(r => running ? r : r with { State = "Stopped", Pid = null }),
            ];
            ResourcesFile.Write(_path, records);
        }
    }
}
