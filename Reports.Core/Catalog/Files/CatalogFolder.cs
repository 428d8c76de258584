using Microsoft.Extensions.Configuration;

namespace Reports.Core.Catalog.Files;

/// <summary>
/// Where the definition files are: <c>Reports:Catalog:Path</c>, one folder or several separated by <c>;</c> (relative to
/// the working directory), else the <c>catalog</c> folder copied beside the binaries at build.
/// </summary>
public static class CatalogFolder
{
    public const string Setting = $"{CatalogOverrides.SectionName}:{CatalogOverrides.PathKey}";

    public static string Default => Path.Combine(AppContext.BaseDirectory, "catalog");

    public const char Separator = ';';

    /// <summary>The folders, full paths, separated by <see cref="Separator"/>.</summary>
    public static string Of(IConfiguration configuration) =>
        configuration[Setting] is { Length: > 0 } path ? FullPaths(path) : Default;

    public static string FullPaths(string path) =>
        string.Join(Separator, Split(path).Select(Path.GetFullPath));

    public static IReadOnlyList<string> Split(string path) =>
        path.Split(Separator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
