using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Reports.LocalServers;

namespace Reports.Hosting;

/// <summary>
/// Keeps <c>.data/resources.json</c> (each resource's state, health, pid, endpoint and connection string) written from
/// Aspire's resource notifications, because scripts, the chaos run and the benchmark read it. It starts before the
/// resources do (BeforeStartEvent), so it sees every change; the AppHost is "Stopping" from Ctrl+C until every process
/// it started has exited, and only then is everything marked "Stopped".
/// </summary>
public sealed class ResourcesFileWriter
{
    private readonly Dictionary<string, ResourceRecord> _records = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Resources whose launcher is being followed: one follower each, however many notifications come.</summary>
    private readonly ConcurrentDictionary<string, int> _following = new(StringComparer.Ordinal);
    private readonly string _path;
    private string _appHostState = "Running";
    private bool _writeFailed;

    private ResourcesFileWriter(string path) => _path = path;

    public static ResourcesFileWriter Register(IDistributedApplicationBuilder builder, string dataDirectory)
    {
        var writer = new ResourcesFileWriter(Path.Combine(dataDirectory, ResourcesFile.FileName));
        builder.Eventing.Subscribe<BeforeStartEvent>((started, cancellationToken) =>
        {
            var lifetime = started.Services.GetRequiredService<IHostApplicationLifetime>();
            var notifications = started.Services.GetRequiredService<ResourceNotificationService>();
            writer.Write();
            _ = writer.WatchAsync(notifications, lifetime.ApplicationStopping);
            lifetime.ApplicationStopping.Register(() => writer.SetAppHostState("Stopping"));
            return Task.CompletedTask;
        });
        return writer;
    }

    /// <summary>Every process has exited: the last write.</summary>
    public void MarkStopped() => SetAppHostState("Stopped");

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

                Write();
                if (change.Resource is ProjectResource && record.Pid is { } pid && ProcessTree.IsLauncher(pid) && _following.TryAdd(change.ResourceId, pid))
                {
                    _ = FollowLauncherAsync(change.ResourceId, pid, stopping);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (Exception e)
        {
            await Console.Error.WriteLineAsync($"Reports.AppHost: {ResourcesFile.FileName} is no longer kept up to date: {e.Message}");
        }
    }

    /// <summary>
    /// A project's first Running notification can come before its <c>dotnet run</c> launcher has started the service:
    /// the record then names the launcher until the service appears under it (scripts kill by this pid).
    /// </summary>
    /// <remarks>
    /// Only a record that still names the launcher is followed: each later notification names the service itself,
    /// which has no children either, and following it would scan /proc for nothing.
    /// </remarks>
    private async Task FollowLauncherAsync(string resourceId, int launcher, CancellationToken stopping)
    {
        try
        {
            for (var attempt = 0; attempt < 120 && ProcessTree.Stat(launcher) is { State: not 'Z' }; attempt++)
            {
                await Task.Delay(250, stopping);
                if (ProcessTree.Program(launcher) is var program && program != launcher)
                {
                    lock (_lock)
                    {
                        if (_records.TryGetValue(resourceId, out var record) && record.Pid == launcher)
                        {
                            _records[resourceId] = record with { Pid = program };
                        }
                    }

                    Write();
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            _following.TryRemove(resourceId, out _); // a restart's new launcher is followed again
        }
    }

    private static async Task<ResourceRecord> RecordAsync(ResourceEvent change, CancellationToken cancellationToken)
    {
        var snapshot = change.Snapshot;
        var launcherPid = KillCommand.ProcessId(snapshot);
        var state = snapshot.State?.Text ?? "Unknown";
        string? connectionString = null;
        if (change.Resource is IResourceWithConnectionString withConnectionString && state == KnownResourceStates.Running)
        {
            connectionString = await withConnectionString.ConnectionStringExpression.GetValueAsync(cancellationToken);
        }

        return new ResourceRecord
        {
            Name = IsReplicated(change.Resource) ? change.ResourceId : change.Resource.Name,
            Type = snapshot.ResourceType,
            State = state,
            Health = snapshot.HealthStatus?.ToString(),
            // A project runs under its `dotnet run` launcher; a server (a postmaster with its helpers) is its own pid.
            Pid = launcherPid is { } launcher && state == KnownResourceStates.Running
                ? change.Resource is ProjectResource ? ProcessTree.Program(launcher) : launcher
                : null,
            Endpoint = snapshot.Urls.FirstOrDefault(u => !u.IsInternal)?.Url,
            ExitCode = snapshot.ExitCode,
            ConnectionString = connectionString,
        };
    }

    /// <summary>Replicas are named by their instance (<c>worker-x7k2m9qd</c>), other resources by their own name.</summary>
    private static bool IsReplicated(IResource resource) =>
        resource.TryGetLastAnnotation<ReplicaAnnotation>(out var replicas) && replicas.Replicas > 1;

    private void SetAppHostState(string state)
    {
        lock (_lock)
        {
            _appHostState = state;
        }

        Write();
    }

    private void Write()
    {
        lock (_lock)
        {
            var stopped = _appHostState == "Stopped";
            List<ResourceRecord> records =
            [
                new() { Name = ResourcesFile.AppHostName, Type = "AppHost", State = stopped ? "Stopped" : _appHostState, Pid = stopped ? null : Environment.ProcessId },
                .. _records.Values.OrderBy(r => r.Name, StringComparer.Ordinal).Select(r => stopped ? r with { State = "Stopped", Pid = null } : r),
            ];
            try
            {
                ResourcesFile.Write(_path, records);
                _writeFailed = false;
            }
            catch (IOException e)
            {
                // A full disk: said once, and the next change writes the whole file again once there is room.
                if (!_writeFailed)
                {
                    Console.Error.WriteLine($"Reports.AppHost: could not write {_path}: {e.Message}");
                }

                _writeFailed = true;
            }
        }
    }
}
