using Microsoft.Extensions.Configuration;
using Reports.Core.Catalog.Definitions;

namespace Reports.Core.Catalog;

/// <summary>
/// Operators tune a report type's limits without a release: <c>Reports:Catalog:{name}:TimeLimit</c>, <c>:MaxRows</c>,
/// <c>:MaxPdfPages</c>, <c>:MaxAttempts</c>. Unknown report names are an error, so a typo does not go unnoticed.
/// <c>Reports:Catalog:Diagnostics=true</c> adds the diagnostics report types (<see cref="NoOpReport"/>).
/// </summary>
public static class CatalogOverrides
{
    public const string SectionName = "Reports:Catalog";
    public const string DiagnosticsKey = "Diagnostics";

    public static ReportCatalog Apply(ReportCatalog catalog, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var section = configuration.GetSection(SectionName);
        if (section.GetValue(DiagnosticsKey, false))
        {
            catalog = new ReportCatalog([.. catalog.All, NoOpReport.Definition]);
        }

        var unknown = section.GetChildren().Select(c => c.Key)
            .Where(name => name != DiagnosticsKey && catalog.Find(name) is null).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidOperationException(
                $"{SectionName} names unknown report types: {string.Join(", ", unknown)}. Known: {string.Join(", ", catalog.All.Select(r => r.Name))}.");
        }

        return new ReportCatalog(catalog.All.Select(report =>
        {
            var settings = section.GetSection(report.Name);
            var limits = report.Limits with
            {
                TimeLimit = settings.GetValue("TimeLimit", report.Limits.TimeLimit),
                MaxRows = settings.GetValue("MaxRows", report.Limits.MaxRows),
                MaxPdfPages = settings.GetValue("MaxPdfPages", report.Limits.MaxPdfPages),
            };
            return report with { Limits = limits, MaxAttempts = settings.GetValue("MaxAttempts", report.MaxAttempts) };
        }));
    }
}
