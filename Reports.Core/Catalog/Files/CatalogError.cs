namespace Reports.Core.Catalog.Files;

/// <summary>One problem in a catalog file: where it is (file, line, field) and what is wrong.</summary>
public sealed record CatalogError(string File, int Line, string Field, string Message)
{
    public override string ToString() => $"{File}:{Line}: {Field}: {Message}";
}
