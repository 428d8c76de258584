namespace Reports.Core.Sources;

/// <summary>The configured data sources by name.</summary>
public sealed class ReportSources(IEnumerable<ReportSource> sources)
{
    private readonly Dictionary<string, ReportSource> _byName = sources.ToDictionary(s => s.Name, StringComparer.Ordinal);

    public IReadOnlyCollection<string> Names => _byName.Keys;

    public ReportSource Get(string name) => _byName.TryGetValue(name, out var source)
        ? source
        : throw new KeyNotFoundException($"No data source named '{name}': add ConnectionStrings:{name} and {SourceOptions.Section}:{name}.");

    public bool Contains(string name) => _byName.ContainsKey(name);
}
