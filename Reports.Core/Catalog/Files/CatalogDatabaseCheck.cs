using System.Data;
using System.Data.Common;
using Reports.Core.Generation;
using Reports.Core.Sources;
using Reports.Core.Sources.Dialects;

namespace Reports.Core.Catalog.Files;

/// <summary>
/// Checks each report's SQL against its source without running it: every statement a job would send (the query, its
/// keyset pages, the count, the PDF's totals, chart and subject, the parameters' existence checks) is prepared or
/// described (its result's shape only, reading no row) inside a read-only transaction that is rolled back, and the columns the query returns are
/// compared with the columns the file declares, by count and type. An error the source gives about a statement names
/// the file, line and field it came from; any other (the source unreachable) is thrown.
/// </summary>
public static class CatalogDatabaseCheck
{
    private static readonly TimeSpan StatementTimeout = TimeSpan.FromSeconds(30);

    /// <param name="dataSource">The source's pool.</param>
    /// <param name="dialect">How its queries are described.</param>
    /// <param name="entries">The reports that read this source.</param>
    public static async Task<IReadOnlyList<CatalogError>> CheckAsync(
        DbDataSource dataSource, SqlDialect dialect, IEnumerable<CatalogEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(dialect);
        ArgumentNullException.ThrowIfNull(entries);
        var errors = new List<CatalogError>();
        foreach (var entry in entries.Where(e => e.Definition.Query is not null))
        {
            var queryErrors = await DescribeQueryAsync(dataSource, dialect, entry, cancellationToken);
            errors.AddRange(queryErrors);
            if (queryErrors.Count > 0)
            {
                continue; // every other statement wraps the query: its error would only repeat
            }

            foreach (var statement in EngineStatements(entry.Definition, dialect))
            {
                if (await DescribeAsync(dataSource, dialect, entry, statement, cancellationToken) is { } error)
                {
                    errors.Add(error);
                }
            }
        }

        return errors;
    }

    /// <summary>The report's own query, described and its columns compared with the file's.</summary>
    private static async Task<IReadOnlyList<CatalogError>> DescribeQueryAsync(
        DbDataSource dataSource, SqlDialect dialect, CatalogEntry entry, CancellationToken cancellationToken)
    {
        var report = entry.Definition;
        List<(string Name, string Type, Type Clr)> returned;
        try
        {
            returned = await ShapeAsync(dataSource, dialect, dialect.Describable(report.Keyset.Sql), report.Bind(SampleArguments(report)), cancellationToken);
        }
        catch (DbException e) when (SqlStates.IsAboutTheStatement(e.SqlState))
        {
            return [new CatalogError(entry.File, entry.QueryLine, "query.sql", $"does not prepare on source '{report.Source}': {e.Message}")];
        }

        var errors = new List<CatalogError>();
        if (returned.Count != report.Columns.Count)
        {
            errors.Add(new CatalogError(entry.File, entry.QueryLine, "query.sql",
                $"returns {returned.Count} columns ({Listed(returned)}); the file declares {report.Columns.Count}."));
        }

        for (var i = 0; i < Math.Min(returned.Count, report.Columns.Count); i++)
        {
            var column = report.Columns[i];
            if (!dialect.Reads(column.Type, returned[i].Type, returned[i].Clr))
            {
                errors.Add(new CatalogError(entry.File, entry.ColumnLines[i], $"columns[{i}].type",
                    $"'{column.Name}' is declared {column.Type.ToString().ToLowerInvariant()}, but the query's column {i + 1} ({returned[i].Name}) is {returned[i].Type}."));
            }
        }

        return errors;
    }

    /// <summary>One statement the engine builds around the query, described; an error names the field it comes from.</summary>
    private static async Task<CatalogError?> DescribeAsync(
        DbDataSource dataSource, SqlDialect dialect, CatalogEntry entry, EngineStatement statement, CancellationToken cancellationToken)
    {
        var report = entry.Definition;
        var field = statement.Field;
        var bound = new Dictionary<string, object?>(report.Bind(SampleArguments(report)), StringComparer.Ordinal);
        foreach (var (name, value) in statement.Extra)
        {
            bound[name] = value;
        }

        try
        {
            if (!statement.ReturnsRows)
            {
                await PrepareAsync(dataSource, dialect, statement.Sql, bound, cancellationToken);
                return null;
            }

            var returned = await ShapeAsync(dataSource, dialect, statement.Sql, bound, cancellationToken);
            if (returned.Count != report.Columns.Count)
            {
                return new CatalogError(entry.File, entry.LineOf(field), field,
                    $"a page returns {returned.Count} columns ({Listed(returned)}); the file declares {report.Columns.Count}.");
            }

            return null;
        }
        catch (DbException e) when (SqlStates.IsAboutTheStatement(e.SqlState))
        {
            return new CatalogError(entry.File, entry.LineOf(field), field, $"the statement built from it does not prepare on source '{report.Source}': {e.Message}");
        }
    }

    /// <summary>The statements a job sends besides the query, each with the field whose SQL it is built from and the values it binds.</summary>
    private static IEnumerable<EngineStatement> EngineStatements(
        ReportDefinition report, SqlDialect dialect)
    {
        var paging = report.Keyset.PageJoin is null ? "query.keys" : "query.page_join";
        var page = new Dictionary<string, object?>(StringComparer.Ordinal) { ["page_size"] = 0 };
        for (var i = 0; i < report.Keyset.KeyColumns.Count; i++)
        {
            page[ReportSql.CursorParameter(i)] = SampleValue(report.Columns[report.Keyset.KeyColumns[i]].Type);
        }

        var none = new Dictionary<string, object?>();
        yield return new(paging, ReportSql.Page(report, dialect, afterCursor: true), page) { ReturnsRows = true };
        yield return new(paging, ReportSql.Count(report), none);
        if (report.Totals is not null)
        {
            yield return new("totals", ReportSql.Totals(report, dialect), none);
        }

        if (ReportSql.Chart(report, dialect) is { } chart)
        {
            yield return new("chart", chart, none);
        }

        if (report.SubjectSql is { } subject)
        {
            yield return new("subject_sql", subject, none);
        }

        for (var i = 0; i < report.Parameters.Count; i++)
        {
            if (report.Parameters[i].MustExist is { } check)
            {
                yield return new($"parameters[{i}].must_exist", check.ExistsSql,
                    new Dictionary<string, object?> { ["value"] = SampleValue(report.Parameters[i].Type) });
            }
        }
    }

    /// <param name="Field">The file's field the statement is built from.</param>
    /// <param name="Extra">Values it binds beside the report's parameters.</param>
    private sealed record EngineStatement(string Field, string Sql, IReadOnlyDictionary<string, object?> Extra)
    {
        /// <summary>Whether it returns the report's rows, so its columns must be the file's.</summary>
        public bool ReturnsRows { get; init; }
    }

    private static async Task PrepareAsync(
        DbDataSource dataSource, SqlDialect dialect, string sql, IReadOnlyDictionary<string, object?> bound, CancellationToken cancellationToken) =>
        await OnSourceAsync(dataSource, dialect, sql, bound, async command =>
        {
            await dialect.PrepareOnlyAsync(command, cancellationToken);
            return true;
        }, cancellationToken);

    /// <summary>
    /// The columns a statement returns, from a schema-only reader: PostgreSQL only describes it; MySQL runs it under
    /// <c>sql_select_limit = 0</c>, so only statements that read no row that way come here (the query with <c>LIMIT 0</c>
    /// added, a page with <c>@page_size</c> 0).
    /// </summary>
    private static Task<List<(string Name, string Type, Type Clr)>> ShapeAsync(
        DbDataSource dataSource, SqlDialect dialect, string sql, IReadOnlyDictionary<string, object?> bound, CancellationToken cancellationToken) =>
        OnSourceAsync(dataSource, dialect, sql, bound, async command =>
        {
            await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SchemaOnly, cancellationToken);
            return (List<(string Name, string Type, Type Clr)>)[.. Enumerable.Range(0, reader.FieldCount)
                .Select(i => (reader.GetName(i), dialect.TypeName(reader.GetDataTypeName(i)), reader.GetFieldType(i)))];
        }, cancellationToken);

    /// <summary>Uses a command of <paramref name="sql"/> on its own connection, inside a read-only transaction that is rolled back when it closes.</summary>
    private static async Task<T> OnSourceAsync<T>(
        DbDataSource dataSource, SqlDialect dialect, string sql, IReadOnlyDictionary<string, object?> bound, Func<DbCommand, Task<T>> use,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await dialect.BeginReadOnlyAsync(connection, cancellationToken);
        await using var command = dialect.Command(connection, sql, bound);
        command.CommandTimeout = (int)StatementTimeout.TotalSeconds;
        return await use(command);
    }

    /// <summary>Columns as the errors list them: <c>id bigint, amount numeric</c>.</summary>
    private static string Listed(IEnumerable<(string Name, string Type, Type Clr)> columns) => string.Join(", ", columns.Select(c => $"{c.Name} {c.Type}"));

    /// <summary>A value of each parameter's type, bound as a job binds it, so the statement is described with its real types.</summary>
    private static ReportArguments SampleArguments(ReportDefinition report) => new(report.Parameters.ToDictionary(
        p => p.Name,
        p => p.Type == ParameterType.TextList ? Array.Empty<string>() : SampleValue(p.Type),
        StringComparer.Ordinal));

    private static object? SampleValue(ParameterType type) => type switch
    {
        ParameterType.Date => new DateOnly(2000, 1, 1),
        ParameterType.TextList => "",
        ParameterType.Decimal => 0m,
        ParameterType.Integer => 0L,
        _ => "",
    };

    /// <summary>A key column's value as a cursor holds it after reading a row.</summary>
    private static object? SampleValue(ColumnType type) => type switch
    {
        ColumnType.Integer => 0L,
        ColumnType.Decimal => 0m,
        ColumnType.Date => new DateOnly(2000, 1, 1),
        ColumnType.Timestamp => new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc),
        _ => "",
    };
}
