namespace Reports.Core.Catalog;

/// <summary>The reports this system can produce, by name.</summary>
public sealed class ReportCatalog
{
    private readonly Dictionary<string, ReportDefinition> _reports;

    public ReportCatalog(IEnumerable<ReportDefinition> reports) =>
        _reports = reports.ToDictionary(r => r.Name, StringComparer.Ordinal);

    public IEnumerable<ReportDefinition> All => _reports.Values.OrderBy(r => r.Name, StringComparer.Ordinal);

    public ReportDefinition? Find(string name) => _reports.GetValueOrDefault(name);
}
