using System.Text.RegularExpressions;

namespace Reports.Core.Catalog.Files;

/// <summary>What the checks read in an SQL text, outside string literals, quoted names and comments: its named parameters (<c>@from</c>), its statement separators.</summary>
internal static partial class SqlParameterNames
{
    public static IReadOnlySet<string> In(string sql) =>
        Parameter().Matches(Ignored().Replace(sql, " ")).Select(m => m.Groups["name"].Value).ToHashSet(StringComparer.Ordinal);

    /// <summary>Whether the SQL separates statements (a <c>;</c> outside literals, quoted names and comments).</summary>
    public static bool SeparatesStatements(string sql) => Ignored().Replace(sql, " ").Contains(';', StringComparison.Ordinal);

    /// <summary>The error for SQL that holds a second statement, which would run outside the engine's paging and limits.</summary>
    public const string OneStatement = "holds ';': one statement (or expression) only, and no ';' at its end.";

    [GeneratedRegex("""'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|/\*.*?\*/""", RegexOptions.Singleline, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Ignored();

    // Not @@ (a MySQL system variable) nor a name inside a word (an email address).
    [GeneratedRegex(@"(?<![@\w])@(?<name>[A-Za-z_][A-Za-z0-9_]*)", RegexOptions.None, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Parameter();
}
