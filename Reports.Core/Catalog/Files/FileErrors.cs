namespace Reports.Core.Catalog.Files;

/// <summary>The errors found in one file, each placed at a line and a field.</summary>
internal sealed class FileErrors(string file)
{
    private readonly List<CatalogError> _errors = [];

    public string File { get; } = file;

    public IReadOnlyList<CatalogError> All => _errors;

    public int Count => _errors.Count;

    public void Add(int line, string field, string message) => _errors.Add(new CatalogError(File, line, field, message));
}
