using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Reports.Core.Catalog.Files;

/// <summary>Reads one report definition from a file's YAML (or JSON) document; every problem goes to the file's errors.</summary>
internal static partial class ReportFileReader
{
    /// <summary>The definition, or null when the file has errors (all of them recorded).</summary>
    public static CatalogEntry? Read(YamlMappingNode root, FileErrors errors)
    {
        var before = errors.Count;
        var file = new YamlFields(root, "", errors);
        var name = Checked(file, "name", file.Text("name", required: true), ReportName().IsMatch,
            "must be lowercase letters, digits and dashes, starting with a letter, at most 64 characters.");
        var title = file.Text("title", required: true);
        var description = file.Text("description", required: true);
        var source = Checked(file, "source", file.Text("source", required: true), ReportName().IsMatch,
            "must be a data source's name: lowercase letters, digits and dashes, starting with a letter (ConnectionStrings:<source>).");
        var queue = OneOf(file, "queue", file.Text("queue"), FileVocabulary.Queues) ?? Queue.QueueNames.Interactive;
        var maxAttempts = (int?)file.Long("max_attempts", 1, 100);
        var maxDateSpan = (int?)file.Long("max_date_span_days", 1, 100_000);
        var limits = ReadLimits(file.Object("limits"));
        var formats = ReadFormats(file);
        var orientation = ReadOrientation(file.Object("output"));
        var parameterFields = file.Objects("parameters") ?? [];
        var parameters = parameterFields.Select(ReadParameter).OfType<FileParameter>().ToList();
        var columns = (file.Objects("columns", required: true) ?? []).Select(ReadColumn).ToList();
        if (file.Has("columns") && columns.Count == 0)
        {
            file.Add("columns", "must name at least one column.");
        }

        var query = file.Object("query", required: true);
        var subjectSql = file.Text("subject_sql")?.TrimEnd();
        var totals = file.Object("totals");
        var chart = file.Object("chart");
        file.RejectUnknown();

        var columnList = columns.OfType<(ReportColumn Column, int Line)>().Select(c => c.Column).ToList();

        // Checks across fields only over what was read whole, so one wrong column or parameter is one error, not a cascade.
        var columnsRead = columns.All(c => c is not null) ? columnList : null;
        FileChecks.Names(file, "parameters", parameters.Select(p => (p.Parameter.Name, p.Line, p.Field)));
        FileChecks.Names(file, "columns", columns.OfType<(ReportColumn Column, int Line)>().Select((c, i) => (c.Column.Name, c.Line, $"columns[{i}]")));
        var keyset = query is null ? null : ReadQuery(query, columnsRead);
        var reportTotals = totals is null ? null : ReadTotals(totals, columnsRead);
        var reportChart = chart is null ? null : ReadChart(chart, columnsRead);
        if (keyset is not null && parameters.Count == parameterFields.Count)
        {
            FileChecks.SqlParameters(file, query!, keyset, subjectSql, parameters);
        }

        if (errors.Count > before)
        {
            return null;
        }

        var definition = new ReportDefinition
        {
            Name = name!,
            Title = title!,
            Description = description!,
            Source = source!,
            Version = DefinitionVersion.Of(root),
            Queue = queue,
            MaxAttempts = maxAttempts ?? 5,
            MaxDateSpanDays = maxDateSpan,
            Limits = limits,
            Formats = formats,
            Parameters = [.. parameters.Select(p => p.Parameter), .. OutputParameters.For(orientation)],
            Columns = columnList,
            Query = keyset,
            Bind = arguments => parameters.ToDictionary(
                p => p.SqlName, p => p.Bind.Apply(arguments.Values.GetValueOrDefault(p.Parameter.Name)), StringComparer.Ordinal),
            SubjectSql = subjectSql,
            Totals = reportTotals,
            Chart = reportChart,
        };
        // A default is validated as a request's value would be: a wrong one would fail every job that leaves it out.
        var defaults = ParameterValidator.Validate(definition, parameters: null).Errors;
        foreach (var parameter in parameters.Where(p => p.Parameter.Default is not null))
        {
            if (defaults.TryGetValue($"parameters.{parameter.Parameter.Name}", out var problems))
            {
                errors.Add(parameter.Line, $"{parameter.Field}.default", $"'{parameter.Parameter.Default}' is not a valid value: {string.Join(" ", problems)}");
            }
        }

        if (errors.Count > before)
        {
            return null;
        }

        return new CatalogEntry(definition, errors.File, file.LineOf("name"), query!.LineOf("sql"), columns.Select(c => c!.Value.Line).ToList(),
            FieldLines(file, query, parameters));
    }

    private static Dictionary<string, int> FieldLines(YamlFields file, YamlFields query, IEnumerable<FileParameter> parameters)
    {
        var lines = new Dictionary<string, int>(StringComparer.Ordinal) { ["query.keys"] = query.LineOf("keys") };
        foreach (var (field, fields, key) in new[] { ("query.page_join", query, "page_join"), ("subject_sql", file, "subject_sql"), ("totals", file, "totals"), ("chart", file, "chart") })
        {
            if (fields.Has(key))
            {
                lines[field] = fields.LineOf(key);
            }
        }

        foreach (var parameter in parameters.Where(p => p.Parameter.MustExist is not null))
        {
            lines[$"{parameter.Field}.must_exist"] = parameter.Line;
        }

        return lines;
    }

    private static ReportLimits ReadLimits(YamlFields? limits)
    {
        if (limits is null)
        {
            return ReportLimits.Default;
        }

        var defaults = ReportLimits.Default;
        var read = new ReportLimits
        {
            MaxRows = limits.Long("max_rows", 1, long.MaxValue) ?? defaults.MaxRows,
            MaxPdfPages = (int?)limits.Long("max_pdf_pages", 1, int.MaxValue) ?? defaults.MaxPdfPages,
            TimeLimit = limits.Duration("time_limit", TimeSpan.FromSeconds(1), TimeSpan.FromDays(1)) ?? defaults.TimeLimit,
        };
        limits.RejectUnknown();
        return read;
    }

    private static IReadOnlyList<string> ReadFormats(YamlFields file)
    {
        if (file.TextList("formats") is not { } formats)
        {
            return ReportFormats.Files;
        }

        UnknownFormats(file, formats);

        if (formats.Count == 0 || formats.Distinct(StringComparer.Ordinal).Count() != formats.Count)
        {
            file.Add("formats", "must name at least one format, each once.");
        }

        return formats;
    }

    private static string ReadOrientation(YamlFields? output)
    {
        if (output is null)
        {
            return OutputParameters.Portrait;
        }

        var orientation = OneOf(output, "orientation", output.Text("orientation"), FileVocabulary.Orientations);
        output.RejectUnknown();
        return orientation ?? OutputParameters.Portrait;
    }

    private static FileParameter? ReadParameter(YamlFields p)
    {
        var before = p.Errors.Count;
        var name = Checked(p, "name", p.Text("name", required: true), ParameterName().IsMatch,
            "must be letters, digits and underscores, starting with a letter.");
        if (name is OutputParameters.PageSize or OutputParameters.Orientation or OutputParameters.Compression)
        {
            p.Add("name", $"'{name}' is an output parameter every report has already.");
        }

        var type = p.Choice("type", FileVocabulary.ParameterTypes, required: true);
        var minimum = p.Decimal("minimum");
        var maximum = p.Decimal("maximum");
        if (minimum > maximum)
        {
            p.Add("maximum", "must not be below minimum.");
        }

        var pattern = p.Text("pattern");
        if (pattern is not null && FileChecks.RegexError(pattern) is { } regexError)
        {
            p.Add("pattern", $"is not a valid regular expression: {regexError}");
        }

        var formats = p.TextList("formats");
        UnknownFormats(p, formats ?? []);

        var sqlName = Checked(p, "sql_name", p.Text("sql_name"), SqlName().IsMatch, "must be letters, digits and underscores, starting with a letter.");
        var bind = p.Choice("bind", ParameterBinds.Names) ?? ParameterBind.AsIs;
        if (type is { } t && !bind.AppliesTo(t))
        {
            p.Add("bind", $"applies to date parameters only; this one is {FileVocabulary.ParameterTypes.First(x => x.Value == t).Key}.");
        }

        var mustExist = p.Object("must_exist");
        ReferenceCheck? check = null;
        if (mustExist is not null && type == ParameterType.TextList)
        {
            p.Add("must_exist", "applies to single values only; this one is a text_list.");
        }
        else if (mustExist is not null)
        {
            var existsSql = mustExist.Text("sql", required: true);
            var what = mustExist.Text("what", required: true);
            mustExist.RejectUnknown();
            if (existsSql is not null)
            {
                if (SqlParameterNames.SeparatesStatements(existsSql))
                {
                    mustExist.Add("sql", SqlParameterNames.OneStatement);
                }

                if (!SqlParameterNames.IsQuery(existsSql))
                {
                    mustExist.Add("sql", SqlParameterNames.NotAQuery);
                }

                foreach (var other in SqlParameterNames.In(existsSql).Where(n => n != "value"))
                {
                    mustExist.Add("sql", $"@{other} is not known here: the check's SQL takes the parameter's value as @value only.");
                }
            }

            check = existsSql is null || what is null ? null : new ReferenceCheck(existsSql.TrimEnd(), what);
        }

        var parameter = new ReportParameter
        {
            Name = name ?? "",
            Type = type ?? ParameterType.Text,
            Description = p.Text("description") ?? "",
            Required = p.Bool("required") ?? false,
            Default = p.Text("default"),
            Minimum = minimum,
            Maximum = maximum,
            Allowed = p.TextList("allowed"),
            Pattern = pattern,
            Formats = formats,
            MustExist = check,
        };
        p.RejectUnknown();
        return p.Errors.Count > before ? null : new FileParameter(parameter, sqlName ?? parameter.Name, bind, p.Line, p.Path);
    }

    private static (ReportColumn Column, int Line)? ReadColumn(YamlFields c)
    {
        var before = c.Errors.Count;
        var name = Checked(c, "name", c.Text("name", required: true), SqlName().IsMatch, "must be letters, digits and underscores, starting with a letter.");
        var title = c.Text("title", required: true);
        var type = c.Choice("type", FileVocabulary.ColumnTypes, required: true);
        var format = c.Text("format");
        var width = c.PositiveFloat("width") ?? 1f;
        var alignment = c.Choice("align", FileVocabulary.Alignments);
        c.RejectUnknown();
        if (c.Errors.Count > before)
        {
            return null;
        }

        var column = new ReportColumn(name!, title!, type!.Value, format, width);
        return (alignment is { } align ? column with { Alignment = align } : column, c.Line);
    }

    private static KeysetQuery? ReadQuery(YamlFields query, IReadOnlyList<ReportColumn>? columns)
    {
        var sql = query.Text("sql", required: true)?.TrimEnd();
        var keys = query.Objects("keys", required: true) ?? [];
        var pageJoin = query.Object("page_join");
        query.RejectUnknown();
        if (query.Has("keys") && keys.Count == 0)
        {
            query.Add("keys", "must name at least one key.");
        }

        var expressions = new List<string>();
        var keyColumns = new List<int>();
        foreach (var key in keys)
        {
            var expression = Checked(key, "expression", key.Text("expression", required: true), KeyExpression().IsMatch,
                "must be a column reference, name or alias.name, of letters, digits and underscores: it is written into every page's ORDER BY and keyset predicate (alias a computed or quoted column in the query).");
            var column = key.Text("column", required: true);
            key.RejectUnknown();
            var index = columns?.Select(c => c.Name).ToList().IndexOf(column ?? "") ?? -1;
            if (column is not null && columns is not null && index < 0)
            {
                key.Add("column", NotAColumn(column, columns));
            }

            if (expression is not null && index >= 0)
            {
                expressions.Add(expression);
                keyColumns.Add(index);
            }
        }

        KeysetPageJoin? join = null;
        if (pageJoin is not null)
        {
            var driving = pageJoin.Text("driving_sql", required: true)?.TrimEnd();
            var select = pageJoin.Text("select", required: true)?.TrimEnd();
            pageJoin.RejectUnknown();
            if (select is not null && !select.Contains(KeysetPageJoin.PagePlaceholder, StringComparison.Ordinal))
            {
                pageJoin.Add("select", $"must select from {KeysetPageJoin.PagePlaceholder} (a page of the driving query).");
            }

            join = driving is null || select is null ? null : new KeysetPageJoin(driving, select);
        }

        return sql is null ? null : new KeysetQuery(sql, expressions, keyColumns) { PageJoin = join };
    }

    private static ReportTotals? ReadTotals(YamlFields totals, IReadOnlyList<ReportColumn>? columns)
    {
        var aggregates = totals.TextMap("columns", required: true) ?? [];
        var groupBy = totals.Text("group_by");
        totals.RejectUnknown();
        if (columns is null)
        {
            return null;
        }
        foreach (var (name, _, line) in aggregates.Where(a => columns.All(c => c.Name != a.Name)))
        {
            totals.Errors.Add(line, totals.FieldPath($"columns.{name}"), NotAColumn(name, columns));
        }

        foreach (var (name, _, line) in aggregates.Where(a => SqlParameterNames.SeparatesStatements(a.Text)))
        {
            totals.Errors.Add(line, totals.FieldPath($"columns.{name}"), SqlParameterNames.OneStatement);
        }

        if (groupBy is not null && columns.All(c => c.Name != groupBy))
        {
            totals.Add("group_by", NotAColumn(groupBy, columns));
        }

        return new ReportTotals(aggregates.ToDictionary(a => a.Name, a => a.Text.TrimEnd(), StringComparer.Ordinal), groupBy);
    }

    private static ReportChart? ReadChart(YamlFields chart, IReadOnlyList<ReportColumn>? columns)
    {
        var title = chart.Text("title", required: true);
        // A day per point: the series is summed per value of this column, so a timestamp would give a point per instant.
        var time = ChartColumn(chart, "time_column", columns, [ColumnType.Date], "a date (select the day, e.g. CAST(… AS date), as a column of its own)");
        var value = ChartColumn(chart, "value_column", columns, [ColumnType.Integer, ColumnType.Decimal], "an integer or decimal");
        chart.RejectUnknown();
        return title is null || time is null || value is null ? null : new ReportChart(title, time, value);
    }

    private static string? ChartColumn(YamlFields chart, string key, IReadOnlyList<ReportColumn>? columns, ColumnType[] types, string expected)
    {
        var name = chart.Text(key, required: true);
        if (name is null || columns is null)
        {
            return null;
        }

        if (columns.FirstOrDefault(c => c.Name == name) is not { } column)
        {
            chart.Add(key, NotAColumn(name, columns));
        }
        else if (!types.Contains(column.Type))
        {
            chart.Add(key, $"'{name}' must be {expected} column.");
        }

        return name;
    }

    private static string NotAColumn(string name, IReadOnlyList<ReportColumn> columns) =>
        $"'{name}' is not among the columns: {string.Join(", ", columns.Select(c => c.Name))}.";

    private static void UnknownFormats(YamlFields fields, IReadOnlyList<string> formats)
    {
        foreach (var unknown in formats.Where(f => !ReportFormats.Files.Contains(f, StringComparer.Ordinal)))
        {
            fields.Add("formats", $"'{unknown}' is not a format; the formats are: {string.Join(", ", ReportFormats.Files)}.");
        }
    }

    private static string? OneOf(YamlFields fields, string key, string? value, IReadOnlyList<string> allowed)
    {
        if (value is not null && !allowed.Contains(value, StringComparer.Ordinal))
        {
            fields.Add(key, $"must be one of {string.Join(", ", allowed)}; it is '{value}'.");
            return null;
        }

        return value;
    }

    private static string? Checked(YamlFields fields, string key, string? value, Func<string, bool> valid, string message)
    {
        if (value is not null && !valid(value))
        {
            fields.Add(key, message);
        }

        return value;
    }

    [GeneratedRegex("^[a-z][a-z0-9-]{0,63}$")]
    private static partial Regex ReportName();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]{0,63}$")]
    private static partial Regex ParameterName();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,63}$")]
    private static partial Regex SqlName();

    /// <summary>A column reference, <c>name</c> or <c>alias.name</c>, of plain identifiers (quoting differs by dialect: alias the column instead).</summary>
    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]{0,63}(?:\.[A-Za-z_][A-Za-z0-9_]{0,63})?\z")]
    private static partial Regex KeyExpression();
}
