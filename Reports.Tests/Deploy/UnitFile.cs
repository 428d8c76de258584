using System.Globalization;

namespace Reports.Tests.Deploy;

/// <summary>
/// A systemd unit file (systemd.syntax(7)): <c>[Section]</c> headers, <c>Key=Value</c> lines, <c>#</c>/<c>;</c> comments,
/// repeated keys kept in order, <c>\</c> continuing a line. Anything else is an error naming the line.
/// </summary>
internal sealed class UnitFile
{
    private readonly List<(string Section, string Key, string Value)> _entries = [];

    public static UnitFile Parse(string text, string name)
    {
        var unit = new UnitFile();
        string? section = null;
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var number = i + 1;
            var line = lines[i].Trim();
            while (line.EndsWith('\\') && i + 1 < lines.Length)
            {
                line = line[..^1] + " " + lines[++i].Trim();
            }

            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line[0] == '[')
            {
                if (!line.EndsWith(']') || line.Length < 3)
                {
                    throw Error(name, number, "a section header must be [Name]");
                }

                section = line[1..^1];
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw Error(name, number, "expected Key=Value");
            }

            if (section is null)
            {
                throw Error(name, number, "a setting before any [Section]");
            }

            unit._entries.Add((section, line[..equals].Trim(), line[(equals + 1)..].Trim()));
        }

        return unit;
    }

    public IReadOnlyList<string> Sections => [.. _entries.Select(e => e.Section).Distinct()];

    public IReadOnlyList<string> All(string section, string key) =>
        [.. _entries.Where(e => e.Section == section && e.Key == key).Select(e => e.Value)];

    public string? Get(string section, string key) => All(section, key) is [.., var last] ? last : null;

    /// <summary>The <c>Environment=</c> assignments of [Service], as name and value.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Environment() =>
        [.. All("Service", "Environment").Select(v => v.Trim('"').Split('=', 2)).Select(p => KeyValuePair.Create(p[0], p.Length > 1 ? p[1] : ""))];

    /// <summary>A systemd time span such as <c>45</c>, <c>45s</c> or <c>35min</c>.</summary>
    public static TimeSpan ParseSeconds(string value)
    {
        var units = new (string Suffix, double Seconds)[] { ("min", 60), ("ms", 0.001), ("s", 1), ("h", 3600) };
        foreach (var (suffix, seconds) in units)
        {
            if (value.EndsWith(suffix, StringComparison.Ordinal))
            {
                return TimeSpan.FromSeconds(double.Parse(value[..^suffix.Length], CultureInfo.InvariantCulture) * seconds);
            }
        }

        return TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture));
    }

    private static FormatException Error(string name, int line, string message) => new($"{name}:{line}: {message}");
}
