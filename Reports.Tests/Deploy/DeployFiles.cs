using YamlDotNet.RepresentationModel;

namespace Reports.Tests.Deploy;

/// <summary>The files under <c>deploy/</c>, found from the test's output folder up to the repository root.</summary>
internal static class DeployFiles
{
    public static string Root { get; } = FindRoot();

    public static string Kubernetes => Path.Combine(Root, "deploy", "kubernetes");

    public static string Systemd => Path.Combine(Root, "deploy", "systemd");

    public static IReadOnlyList<string> Manifests() =>
        [.. Directory.GetFiles(Kubernetes, "*.yaml").Order(StringComparer.Ordinal)];

    public static IReadOnlyList<string> Units() =>
        [.. Directory.GetFiles(Systemd).Where(f => f.EndsWith(".service", StringComparison.Ordinal) || f.EndsWith(".target", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];

    /// <summary>Every YAML document of a file; throws (with line and column) when the file is not well-formed YAML.</summary>
    public static IReadOnlyList<YamlMappingNode> LoadYaml(string path)
    {
        var stream = new YamlStream();
        using (var reader = File.OpenText(path))
        {
            stream.Load(reader);
        }

        return [.. stream.Documents.Select(d => d.RootNode as YamlMappingNode
            ?? throw new InvalidDataException($"{Path.GetFileName(path)}: a document is not a mapping."))];
    }

    /// <summary>Every Kubernetes object of every manifest, with the file it came from.</summary>
    public static IReadOnlyList<(string File, YamlMappingNode Object)> Objects() =>
        [.. Manifests().SelectMany(f => LoadYaml(f).Select(o => (Path.GetFileName(f), o)))];

    public static YamlMappingNode Single(string kind, string name) =>
        Objects().Select(o => o.Object).Single(o => o.Str("kind") == kind && o.Map("metadata").Str("name") == name);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Reports.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Reports.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>Reading YAML trees with errors that name the missing key.</summary>
internal static class YamlNodes
{
    public static YamlNode? Find(this YamlNode node, string key) =>
        node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;

    public static YamlMappingNode Map(this YamlNode node, string key) =>
        node.Find(key) as YamlMappingNode ?? throw new KeyNotFoundException($"mapping '{key}' missing at {node.Start}");

    public static YamlSequenceNode Seq(this YamlNode node, string key) =>
        node.Find(key) as YamlSequenceNode ?? throw new KeyNotFoundException($"sequence '{key}' missing at {node.Start}");

    public static string Str(this YamlNode node, string key) =>
        (node.Find(key) as YamlScalarNode)?.Value ?? throw new KeyNotFoundException($"value '{key}' missing at {node.Start}");

    public static string? OptStr(this YamlNode node, string key) => (node.Find(key) as YamlScalarNode)?.Value;

    public static IEnumerable<YamlMappingNode> Items(this YamlNode node, string key) =>
        node.Find(key) is YamlSequenceNode seq ? seq.Children.Cast<YamlMappingNode>() : [];

    public static IEnumerable<string> Strings(this YamlNode node, string key) =>
        node.Find(key) is YamlSequenceNode seq ? seq.Children.Cast<YamlScalarNode>().Select(s => s.Value ?? "") : [];

    public static IEnumerable<KeyValuePair<string, string>> Pairs(this YamlNode node, string key) =>
        node.Find(key) is YamlMappingNode map
            ? map.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, (c.Value as YamlScalarNode)?.Value ?? ""))
            : [];
}
