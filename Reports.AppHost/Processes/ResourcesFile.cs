using System.Text.Json;
using System.Text.Json.Serialization;
using Reports.AppHost.Hosting;

namespace Reports.AppHost.Processes;

/// <summary>One line of <c>.data/resources.json</c>.</summary>
internal sealed record ResourceRecord
{
    public required string Name { get; init; }

    public required string Type { get; init; }

    public required string State { get; init; }

    public int? Pid { get; init; }

    public string? Endpoint { get; init; }

    public int Restarts { get; init; }

    public int? ExitCode { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ConnectionString { get; init; }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(List<ResourceRecord>))]
internal sealed partial class ResourcesFileJsonContext : JsonSerializerContext;

/// <summary>
/// <c>.data/resources.json</c>: every resource's state, pid, endpoint, restarts and connection string, rewritten on each
/// change (temp file + rename, so a reader never sees half a file) while the AppHost runs. Its first line is the AppHost
/// itself, so the next AppHost can tell a live AppHost from the orphans of one killed with SIGKILL.
/// </summary>
internal sealed class ResourcesFile : IDisposable
{
    public const string FileName = "resources.json";
    public const string AppHostName = "apphost";
    private readonly Lock _lock = new();
    private readonly ResourceNotifications _states;
    private bool _stopped;

    public ResourcesFile(string dataDirectory, ResourceNotifications states)
    {
        ArgumentNullException.ThrowIfNull(states);
        Path = System.IO.Path.Combine(dataDirectory, FileName);
        _states = states;
        Directory.CreateDirectory(dataDirectory);
        _states.Changed += OnChanged;
        Write(running: true);
    }

    public string Path { get; }

    public static IReadOnlyList<ResourceRecord> Read(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return JsonSerializer.Deserialize(stream, ResourcesFileJsonContext.Default.ListResourceRecord) ?? [];
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return [];
        }
    }

    /// <summary>The final write: everything stopped, no pids, so nothing is mistaken for an orphan later.</summary>
    public void MarkStopped()
    {
        lock (_lock)
        {
            _stopped = true;
            _states.Changed -= OnChanged;
            WriteLocked(running: false);
        }
    }

    public void Dispose() => MarkStopped();

    private void OnChanged(ResourceSnapshot snapshot) => Write(running: true);

    private void Write(bool running)
    {
        lock (_lock)
        {
            if (!_stopped)
            {
                WriteLocked(running);
            }
        }
    }

    private void WriteLocked(bool running)
    {
        List<ResourceRecord> records =
        [
            new() { Name = AppHostName, Type = "AppHost", State = (running ? ResourceState.Running : ResourceState.Stopped).ToString(), Pid = running ? Environment.ProcessId : null },
            .. _states.Current().Select(s => new ResourceRecord
            {
                Name = s.Name,
                Type = s.Type,
                State = (running ? s.State : ResourceState.Stopped).ToString(),
                Pid = running ? s.Pid : null,
                Endpoint = s.Endpoint,
                Restarts = s.Restarts,
                ExitCode = s.ExitCode,
                ConnectionString = s.ConnectionString,
            }),
        ];
        var temporary = Path + ".tmp";
        using (var stream = File.Create(temporary))
        {
            JsonSerializer.Serialize(stream, records, ResourcesFileJsonContext.Default.ListResourceRecord);
        }

        File.Move(temporary, Path, overwrite: true);
    }
}
