using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Reports.Core.Catalog.Files;

/// <summary>
/// The report catalog from a folder of definition files, one report per file (<c>*.yaml</c>, <c>*.yml</c>, or
/// <c>*.json</c>, which YAML reads too). Every error of every file is collected, each naming file, line and field.
/// </summary>
public static class CatalogFiles
{
    /// <summary>More files than this is a wrong path (a home folder), not a catalog.</summary>
    public const int MaxFiles = 1000;

    public const long MaxFileBytes = 1024 * 1024;

    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];

    /// <summary>The catalog of the folders (<see cref="CatalogFolder.Separator"/> between them); a <see cref="CatalogFilesException"/> with every error when there is one.</summary>
    public static ReportCatalog Load(string folders)
    {
        var (entries, errors) = Read(folders);
        return errors.Count > 0 ? throw new CatalogFilesException(errors) : new ReportCatalog(entries.Select(e => e.Definition));
    }

    /// <summary>
    /// The reports the folders define (<see cref="CatalogFolder.Separator"/> between them; a report's name is unique across
    /// all) and every error found (the reports of files with errors left out).
    /// </summary>
    public static (IReadOnlyList<CatalogEntry> Entries, IReadOnlyList<CatalogError> Errors) Read(string folders)
    {
        ArgumentNullException.ThrowIfNull(folders);
        var entries = new List<CatalogEntry>();
        var errors = new List<CatalogError>();
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var folder in CatalogFolder.Split(folders))
        {
            ReadFolder(folder, entries, errors, names);
        }

        return (entries, errors);
    }

    private static void ReadFolder(string folder, List<CatalogEntry> entries, List<CatalogError> errors, Dictionary<string, string> names)
    {
        if (!Directory.Exists(folder))
        {
            errors.Add(new CatalogError(folder, 0, "path", "is not a folder (Reports:Catalog:Path)."));
            return;
        }

        var files = Directory.EnumerateFiles(folder)
            .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal).Take(MaxFiles + 1).ToList();
        if (files.Count > MaxFiles)
        {
            errors.Add(new CatalogError(folder, 0, "path", $"holds more than {MaxFiles} definition files."));
            return;
        }

        if (files.Count == 0)
        {
            errors.Add(new CatalogError(folder, 0, "path", "holds no definition files (*.yaml, *.yml, *.json)."));
        }

        foreach (var file in files)
        {
            var fileErrors = new FileErrors(file);
            if (ReadFile(file, fileErrors) is { } entry)
            {
                if (names.TryGetValue(entry.Definition.Name, out var first))
                {
                    fileErrors.Add(entry.NameLine, "name", $"'{entry.Definition.Name}' is defined in {first} already.");
                }
                else
                {
                    names[entry.Definition.Name] = file;
                    entries.Add(entry);
                }
            }

            errors.AddRange(fileErrors.All);
        }
    }

    private static CatalogEntry? ReadFile(string file, FileErrors errors)
    {
        if (new FileInfo(file).Length > MaxFileBytes)
        {
            errors.Add(0, "file", $"is larger than {MaxFileBytes} bytes.");
            return null;
        }

        var yaml = new YamlStream();
        using var reader = File.OpenText(file);
        var parser = new PositionedParser(new Parser(reader));
        try
        {
            yaml.Load(parser);
        }
        catch (YamlException e)
        {
            errors.Add((int)e.Start.Line, "file", $"is not valid YAML: {e.InnerException?.Message ?? e.Message}");
            return null;
        }
        catch (InvalidOperationException)
        {
            // The scanner gives up on some broken input without a position: the last place it read well is the nearest.
            errors.Add(parser.Line, "file", "is not valid YAML: the text cannot be read past this line (an unclosed bracket or quote?).");
            return null;
        }

        if (yaml.Documents.Count != 1 || yaml.Documents[0].RootNode is not YamlMappingNode root)
        {
            errors.Add(1, "file", "must hold one report: a mapping of fields (name, title, ...).");
            return null;
        }

        return ReportFileReader.Read(root, errors);
    }

    /// <summary>A parser that remembers the line of the last event it read.</summary>
    private sealed class PositionedParser(IParser inner) : IParser
    {
        public int Line { get; private set; } = 1;

        public YamlDotNet.Core.Events.ParsingEvent? Current => inner.Current;

        public bool MoveNext()
        {
            var moved = inner.MoveNext();
            Line = (int?)inner.Current?.End.Line ?? Line;
            return moved;
        }
    }
}
