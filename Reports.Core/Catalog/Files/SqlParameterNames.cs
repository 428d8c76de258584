using System.Text.RegularExpressions;

namespace Reports.Core.Catalog.Files;

/// <summary>The named parameters (<c>@from</c>) an SQL text refers to, outside string literals, quoted names and comments.</summary>
internal static partial class SqlParameterNames
{
    public static IReadOnlySet<string> In(string sql) =>
        Parameter().Matches(Ignored().Replace(sql, " ")).Select(m => m.Groups["name"].Value).ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex("""'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|/\*.*?\*/""", RegexOptions.Singleline, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Ignored();

    // Not @@ (a MySQL system variable) nor a name inside a word (an email address).
    [GeneratedRegex(@"(?<![@\w])@(?<name>[A-Za-z_][A-Za-z0-9_]*)", RegexOptions.None, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Parameter();
}
