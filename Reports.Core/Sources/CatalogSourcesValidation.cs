using Microsoft.Extensions.Options;
using Reports.Core.Catalog;

namespace Reports.Core.Sources;

/// <summary>The start check of a service that generates reports: every report of the catalog reads a usable source.</summary>
public sealed class CatalogSourcesCheck;

/// <summary>Names each report whose source is not configured, so the start fails.</summary>
public sealed class CatalogSourcesValidation(ReportCatalog catalog, SourceConnections sources) : IValidateOptions<CatalogSourcesCheck>
{
    public ValidateOptionsResult Validate(string? name, CatalogSourcesCheck options)
    {
        var problems = catalog.All.Select(sources.Problem).OfType<string>().ToList();
        return problems.Count > 0 ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }
}
