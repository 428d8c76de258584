using System.Data;
using System.Data.Common;
using Reports.Core.Sources.Dialects;

namespace Reports.Core.Catalog.Files;

/// <summary>
/// Checks each report's query against its source without running it: the statement is described (its result's shape
/// only) inside a read-only transaction that is rolled back, and the columns it returns are compared with the columns
/// the file declares, by count and type.
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
        var errors = new List<CatalogError>();
        foreach (var entry in entries.Where(e => e.Definition.Query is not null))
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await dialect.BeginReadOnlyAsync(connection, cancellationToken); // rolled back when the connection closes
            try
            {
                errors.AddRange(await DescribeAsync(connection, dialect, entry, cancellationToken));
            }
            catch (DbException e)
            {
                errors.Add(new CatalogError(entry.File, entry.QueryLine, "query.sql", $"does not prepare on source '{entry.Definition.Source}': {e.Message}"));
            }
        }

        return errors;
    }

    private static async Task<IReadOnlyList<CatalogError>> DescribeAsync(
        DbConnection connection, SqlDialect dialect, CatalogEntry entry, CancellationToken cancellationToken)
    {
        var report = entry.Definition;
        await using var command = dialect.Command(connection, dialect.Describable(report.Keyset.Sql), report.Bind(SampleArguments(report)));
        command.CommandTimeout = (int)StatementTimeout.TotalSeconds;
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SchemaOnly, cancellationToken);
        var returned = Enumerable.Range(0, reader.FieldCount)
            .Select(i => (Name: reader.GetName(i), Type: dialect.TypeName(reader.GetDataTypeName(i)), Clr: reader.GetFieldType(i)))
            .ToList();
        var errors = new List<CatalogError>();
        if (returned.Count != report.Columns.Count)
        {
            errors.Add(new CatalogError(entry.File, entry.QueryLine, "query.sql",
                $"returns {returned.Count} columns ({string.Join(", ", returned.Select(r => $"{r.Name} {r.Type}"))}); the file declares {report.Columns.Count}."));
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

    /// <summary>A value of each parameter's type, bound as a job binds it, so the statement is described with its real types.</summary>
    private static ReportArguments SampleArguments(ReportDefinition report) => new(report.Parameters.ToDictionary(
        p => p.Name,
        p => (object?)(p.Type switch
        {
            ParameterType.Date => new DateOnly(2000, 1, 1),
            ParameterType.TextList => Array.Empty<string>(),
            ParameterType.Decimal => 0m,
            ParameterType.Integer => 0L,
            _ => "",
        }),
        StringComparer.Ordinal));
}
