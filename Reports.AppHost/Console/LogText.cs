using System.Text.RegularExpressions;

namespace Reports.AppHost.Console;

/// <summary>Makes a child's output line safe to show: no ANSI colour codes or control characters.</summary>
internal static partial class LogText
{
    public static string Clean(string line) => ControlCharacters().Replace(AnsiEscapes().Replace(line, ""), " ");

    [GeneratedRegex(@"\x1B\[[0-9;?]*[A-Za-z]")]
    private static partial Regex AnsiEscapes();

    [GeneratedRegex(@"[\x00-\x08\x0B-\x1F\x7F]")]
    private static partial Regex ControlCharacters();
}
