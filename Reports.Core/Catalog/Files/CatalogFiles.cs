using System.Text;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
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

        List<string> files;
        try
        {
            files = [.. Directory.EnumerateFiles(folder)
                .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal).Take(MaxFiles + 1)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add(new CatalogError(folder, 0, "path", $"cannot be read: {e.Message}"));
            return;
        }

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
        try
        {
            return ReadYaml(file, errors);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add(0, "file", $"cannot be read: {e.Message}");
            return null;
        }
    }

    private static CatalogEntry? ReadYaml(string file, FileErrors errors)
    {
        var length = new FileInfo(file).Length;
        if (length > MaxFileBytes)
        {
            errors.Add(0, "file", $"is larger than {MaxFileBytes} bytes.");
            return null;
        }

        // Never opened when empty: a named pipe also has no length, and opening one would wait for a writer forever.
        if (length == 0)
        {
            errors.Add(0, "file", "is empty (or not a regular file).");
            return null;
        }

        var yaml = new YamlStream();
        using var reader = new StreamReader(file, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true));
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
        catch (DecoderFallbackException)
        {
            errors.Add(parser.Line, "file", "is not UTF-8 text (a byte that UTF-8 does not allow, near this line).");
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

    /// <summary>Deeper than this is not a report definition (and would only strain the loader's recursion).</summary>
    public const int MaxDepth = 16;

    /// <summary>
    /// A parser that remembers the line of the last event it read, and refuses what a definition never needs: anchors and
    /// aliases (a file reads as it is written, and cannot multiply itself), and nesting deeper than <see cref="MaxDepth"/>.
    /// </summary>
    private sealed class PositionedParser(IParser inner) : IParser
    {
        private int _depth;

        public int Line { get; private set; } = 1;

        public ParsingEvent? Current => inner.Current;

        public bool MoveNext()
        {
            var moved = inner.MoveNext();
            var current = inner.Current;
            Line = (int?)current?.End.Line ?? Line;
            switch (current)
            {
                case AnchorAlias alias:
                    throw new YamlException(alias.Start, alias.End, $"*{alias.Value} is an alias: write the value out (anchors and aliases are not read here).");
                case NodeEvent { Anchor.IsEmpty: false } anchored:
                    throw new YamlException(anchored.Start, anchored.End, $"&{anchored.Anchor} is an anchor: write the values out (anchors and aliases are not read here).");
                case MappingStart or SequenceStart when ++_depth > MaxDepth:
                    throw new YamlException(current.Start, current.End, $"nests deeper than {MaxDepth} levels.");
                case MappingEnd or SequenceEnd:
                    _depth--;
                    break;
            }

            return moved;
        }
    }
}
