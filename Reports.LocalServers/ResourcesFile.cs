using System.Text.Json;
using System.Text.Json.Serialization;

namespace Reports.LocalServers;

/// <summary>One line of <c>.data/resources.json</c>.</summary>
public sealed record ResourceRecord
{
    public required string Name { get; init; }

    public required string Type { get; init; }

    public required string State { get; init; }

    public string? Health { get; init; }

    public int? Pid { get; init; }

    public string? Endpoint { get; init; }

    public int? ExitCode { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ConnectionString { get; init; }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(List<ResourceRecord>))]
internal sealed partial class ResourcesFileJsonContext : JsonSerializerContext;

/// <summary>
/// <c>.data/resources.json</c>: every resource's state, pid, endpoint and connection string while the AppHost runs, for
/// scripts, the chaos run and the benchmark. Its first line is the AppHost itself.
/// </summary>
public static class ResourcesFile
{
    public const string FileName = "resources.json";
    public const string AppHostName = "apphost";

    /// <summary>The records, or none when the file is missing or half written.</summary>
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

    /// <summary>Replaces the file in one rename, so a reader never sees half of it.</summary>
    public static void Write(string path, List<ResourceRecord> records)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        using (var stream = PrivateFile.Create(temporary)) // connection strings carry passwords
        {
            JsonSerializer.Serialize(stream, records, ResourcesFileJsonContext.Default.ListResourceRecord);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
