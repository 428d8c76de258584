using System.Text.RegularExpressions;

namespace Reports.Core.Catalog.Files;

/// <summary>What the checks read in an SQL text, outside string literals, quoted names and comments: its named parameters (<c>@from</c>), its statement separators.</summary>
internal static partial class SqlParameterNames
{
    public static IReadOnlySet<string> In(string sql) =>
        Parameter().Matches(Ignored().Replace(sql, " ")).Select(m => m.Groups["name"].Value).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// Whether the SQL could hold a second statement: any <c>;</c>, even in a literal or a comment, since the sources'
    /// dialects disagree on where those end (MySQL's <c>--</c> needs a space, backslashes escape quotes), and a statement
    /// hidden from one reading would run on the source.
    /// </summary>
    public static bool SeparatesStatements(string sql) => sql.Contains(';', StringComparison.Ordinal);

    /// <summary>The error for SQL that could hold a second statement.</summary>
    public const string OneStatement = "holds ';': one statement (or expression) only, and no ';' anywhere, not even in a literal or a comment (write CHR(59) or CHAR(59) for the character).";

    /// <summary>Whether a statement is a query: it starts with SELECT or WITH (no comment, no SET STATEMENT … FOR before it).</summary>
    public static bool IsQuery(string sql) => QueryStart().IsMatch(sql);

    public const string NotAQuery = "must start with SELECT or WITH (nothing before it, not even a comment).";

    [GeneratedRegex(@"^\s*(SELECT|WITH)\b", RegexOptions.IgnoreCase, matchTimeoutMilliseconds: 1000)]
    private static partial Regex QueryStart();

    [GeneratedRegex("""'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|/\*.*?\*/""", RegexOptions.Singleline, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Ignored();

    // Not @@ (a MySQL system variable) nor a name inside a word (an email address).
    [GeneratedRegex(@"(?<![@\w])@(?<name>[A-Za-z_][A-Za-z0-9_]*)", RegexOptions.None, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Parameter();
}
