namespace Reports.Tests.Catalog;

/// <summary>A folder of definition files for one test, deleted after it.</summary>
internal sealed class TempCatalog : IDisposable
{
    /// <summary>A small valid report; tests break one thing in it. Its lines are counted in the tests' expectations.</summary>
    public const string Tiny = """
        name: tiny
        title: Tiny
        description: A report for tests.
        source: sales
        parameters:
          - name: from
            type: date
            required: true
            bind: start_of_day
        columns:
          - { name: order_id, title: Order, type: integer }
          - { name: ordered_at_utc, title: Date, type: timestamp }
        query:
          sql: |
            SELECT o.id, o.ordered_at FROM sales.orders AS o WHERE o.ordered_at >= @from
          keys:
            - { expression: o.ordered_at, column: ordered_at_utc }
            - { expression: o.id, column: order_id }
        """;

    /// <summary>The tiny report whose time (its first key) is <paramref name="time"/>, an expression over the orders <c>o</c>.</summary>
    public static string TinyWithTime(string time) => Tiny
        .Replace("SELECT o.id, o.ordered_at FROM sales.orders AS o WHERE o.ordered_at >= @from",
            $"SELECT s.id, s.ordered_at FROM (SELECT o.id, {time} AS ordered_at FROM sales.orders AS o WHERE o.ordered_at >= @from) AS s WHERE TRUE",
            StringComparison.Ordinal)
        .Replace("expression: o.ordered_at,", "expression: s.ordered_at,", StringComparison.Ordinal)
        .Replace("expression: o.id,", "expression: s.id,", StringComparison.Ordinal);

    private TempCatalog(string path) => Path = path;

    public string Path { get; }

    public static TempCatalog Create(params (string Name, string Text)[] files)
    {
        var folder = new TempCatalog(Directory.CreateTempSubdirectory("reports-catalog-").FullName);
        foreach (var (name, text) in files)
        {
            folder.Write(name, text);
        }

        return folder;
    }

    /// <summary>A copy of the repository's catalog (as copied beside the test binaries).</summary>
    public static TempCatalog CopyOfBuiltIn() => Create(Directory.GetFiles(Reports.Core.Catalog.Files.CatalogFolder.Default)
        .Select(f => (System.IO.Path.GetFileName(f), System.IO.File.ReadAllText(f))).ToArray());

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Write(string name, string text) => System.IO.File.WriteAllText(File(name), text);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
