using Microsoft.Extensions.Configuration;

namespace Reports.Core.Catalog.Files;

/// <summary>
/// Where the definition files are: <c>Reports:Catalog:Path</c> (relative to the working directory), else the
/// <c>catalog</c> folder copied beside the binaries at build.
/// </summary>
public static class CatalogFolder
{
    public const string Setting = $"{CatalogOverrides.SectionName}:{CatalogOverrides.PathKey}";

    public static string Default => Path.Combine(AppContext.BaseDirectory, "catalog");

    public static string Of(IConfiguration configuration) =>
        configuration[Setting] is { Length: > 0 } path ? Path.GetFullPath(path) : Default;
}
