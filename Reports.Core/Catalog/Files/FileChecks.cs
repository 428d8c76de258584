using System.Text.RegularExpressions;

namespace Reports.Core.Catalog.Files;

/// <summary>Checks across the fields of one file: names used twice, and the SQL's parameters against the declared ones.</summary>
internal static class FileChecks
{
    public static void Names(YamlFields file, string what, IEnumerable<(string Name, int Line, string Field)> items)
    {
        foreach (var twice in items.GroupBy(i => i.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            foreach (var (name, line, field) in twice.Skip(1))
            {
                file.Errors.Add(line, $"{field}.name", $"'{name}' is used by more than one of the {what}.");
            }
        }
    }

    /// <summary>
    /// Every @name in the SQL is a declared parameter (by its SQL name), and every declared parameter is used: a typo on
    /// either side would otherwise bind nothing, or fail only when a job runs.
    /// </summary>
    public static void SqlParameters(YamlFields file, YamlFields query, KeysetQuery keyset, string? subjectSql, IReadOnlyList<FileParameter> parameters)
    {
        var declared = parameters.Select(p => p.SqlName).ToHashSet(StringComparer.Ordinal);
        var texts = new List<(string Text, int Line, string Field)> { (keyset.Sql, query.LineOf("sql"), query.FieldPath("sql")) };
        if (keyset.PageJoin is { } join)
        {
            var page = query.Object("page_join")!;
            texts.Add((join.DrivingSql, page.LineOf("driving_sql"), page.FieldPath("driving_sql")));
            texts.Add((join.Select, page.LineOf("select"), page.FieldPath("select")));
        }

        if (subjectSql is not null)
        {
            texts.Add((subjectSql, file.LineOf("subject_sql"), "subject_sql"));
        }

        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (text, line, field) in texts)
        {
            if (SqlParameterNames.SeparatesStatements(text))
            {
                file.Errors.Add(line, field, SqlParameterNames.OneStatement);
            }

            var names = SqlParameterNames.In(text);
            used.UnionWith(names);
            foreach (var unknown in names.Where(n => !declared.Contains(n)).Order(StringComparer.Ordinal))
            {
                file.Errors.Add(line, field, $"@{unknown} is not a parameter of this report; declare it under parameters (with sql_name: {unknown} when the API name differs).");
            }
        }

        foreach (var parameter in parameters)
        {
            if (FileVocabulary.IsReservedSqlName(parameter.SqlName))
            {
                file.Errors.Add(parameter.Line, parameter.Field, $"@{parameter.SqlName} is a name the engine uses itself; give the parameter another sql_name.");
            }
            else if (!used.Contains(parameter.SqlName))
            {
                file.Errors.Add(parameter.Line, parameter.Field, $"@{parameter.SqlName} is not used in the SQL; use it or remove the parameter.");
            }
        }

        foreach (var twice in parameters.GroupBy(p => p.SqlName, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            foreach (var parameter in twice.Skip(1))
            {
                file.Errors.Add(parameter.Line, $"{parameter.Field}.sql_name", $"@{parameter.SqlName} is bound by another parameter already.");
            }
        }
    }

    /// <summary>Why a pattern does not compile as a .NET regular expression (as the API uses it), or null.</summary>
    public static string? RegexError(string pattern)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.None, TimeSpan.FromSeconds(1));
            return null;
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
    }
}
