using Microsoft.Extensions.Configuration;
using Reports.Core.Catalog.Definitions;

namespace Reports.Core.Catalog;

/// <summary>
/// Operators tune a report type's limits without a release: <c>Reports:Catalog:{name}:TimeLimit</c>, <c>:MaxRows</c>,
/// <c>:MaxPdfPages</c>, <c>:MaxAttempts</c>. Unknown report names, unknown settings and values out of range are an error
/// naming the setting, raised when the process starts, so a typo does not go unnoticed.
/// <c>Reports:Catalog:Diagnostics=true</c> adds the diagnostics report types (<see cref="NoOpReport"/>).
/// </summary>
public static class CatalogOverrides
{
    public const string SectionName = "Reports:Catalog";
    public const string DiagnosticsKey = "Diagnostics";

    /// <summary>The folder of definition files (<see cref="Files.CatalogFolder"/>).</summary>
    public const string PathKey = "Path";

    /// <summary>The catalog of the configured folder, with the configured limits and switches.</summary>
    public static ReportCatalog Load(IConfiguration configuration) =>
        Apply(Files.CatalogFiles.Load(Files.CatalogFolder.Of(configuration)), configuration);

    public static ReportCatalog Apply(ReportCatalog catalog, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var section = configuration.GetSection(SectionName);
        if (section.GetValue(DiagnosticsKey, false))
        {
            catalog = new ReportCatalog([.. catalog.All, NoOpReport.Definition]);
        }

        var unknown = section.GetChildren().Select(c => c.Key)
            .Where(name => name != DiagnosticsKey && name != PathKey && catalog.Find(name) is null).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidOperationException(
                $"{SectionName} names unknown report types: {string.Join(", ", unknown)}. Known: {string.Join(", ", catalog.All.Select(r => r.Name))}.");
        }

        var problems = new List<string>();
        var tuned = catalog.All.Select(report =>
        {
            var settings = section.GetSection(report.Name);
            foreach (var key in settings.GetChildren().Select(c => c.Key).Where(k => !Settings.Contains(k, StringComparer.OrdinalIgnoreCase)))
            {
                problems.Add($"{settings.Path}:{key} is not a setting; a report type has: {string.Join(", ", Settings)}.");
            }

            var limits = report.Limits with
            {
                TimeLimit = Read(settings, "TimeLimit", report.Limits.TimeLimit, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1), problems,
                    "a duration from 00:00:01 to 1.00:00:00"),
                MaxRows = Read(settings, "MaxRows", report.Limits.MaxRows, 1L, long.MaxValue, problems, "a whole number of at least 1"),
                MaxPdfPages = Read(settings, "MaxPdfPages", report.Limits.MaxPdfPages, 1, int.MaxValue, problems, "a whole number of at least 1"),
            };
            return report with { Limits = limits, MaxAttempts = Read(settings, "MaxAttempts", report.MaxAttempts, 1, 100, problems, "a whole number from 1 to 100") };
        }).ToList();
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("Invalid report catalog settings: " + string.Join(" ", problems));
        }

        return new ReportCatalog(tuned);
    }

    /// <summary>The settings of one report type.</summary>
    private static readonly string[] Settings = ["TimeLimit", "MaxRows", "MaxPdfPages", "MaxAttempts"];

    /// <summary>A setting's value when set and valid; otherwise the default, and a problem naming the setting when invalid.</summary>
    private static T Read<T>(IConfigurationSection settings, string key, T fallback, T least, T most, List<string> problems, string expected)
        where T : IComparable<T>
    {
        var setting = settings.GetSection(key);
        if (setting.Value is null)
        {
            return fallback;
        }

        T value;
        try
        {
            value = settings.GetValue<T>(key)!;
        }
        catch (InvalidOperationException)
        {
            problems.Add($"{setting.Path} must be {expected}; it is '{setting.Value}'.");
            return fallback;
        }

        if (value.CompareTo(least) < 0 || value.CompareTo(most) > 0)
        {
            problems.Add($"{setting.Path} must be {expected}; it is '{setting.Value}'.");
            return fallback;
        }

        return value;
    }
}

/// <summary>An options type with no settings: resolving it builds the catalog, so its settings are checked at start.</summary>
public sealed class CatalogCheck;
