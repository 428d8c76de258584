using System.Data;
using Npgsql;

namespace Reports.Core.Catalog.Files;

/// <summary>
/// Checks each report's query against the database without running it: the statement is described (prepared for its
/// result's shape only, <see cref="CommandBehavior.SchemaOnly"/>) inside a read-only transaction that is rolled back,
/// and the columns it returns are compared with the columns the file declares, by count and type.
/// </summary>
public static class CatalogDatabaseCheck
{
    private static readonly TimeSpan StatementTimeout = TimeSpan.FromSeconds(30);

    public static async Task<IReadOnlyList<CatalogError>> CheckAsync(
        NpgsqlDataSource dataSource, IEnumerable<CatalogEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        var errors = new List<CatalogError>();
        foreach (var entry in entries.Where(e => e.Definition.Query is not null))
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
            try
            {
                await using (var readOnly = new NpgsqlCommand("SET TRANSACTION READ ONLY", connection, transaction))
                {
                    await readOnly.ExecuteNonQueryAsync(cancellationToken);
                }

                errors.AddRange(await DescribeAsync(connection, transaction, entry, cancellationToken));
            }
            catch (PostgresException e)
            {
                errors.Add(new CatalogError(entry.File, entry.QueryLine, "query.sql", $"does not prepare on the database: {e.MessageText}"));
            }
            finally
            {
                await transaction.RollbackAsync(cancellationToken);
            }
        }

        return errors;
    }

    private static async Task<IReadOnlyList<CatalogError>> DescribeAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, CatalogEntry entry, CancellationToken cancellationToken)
    {
        var report = entry.Definition;
        await using var command = new NpgsqlCommand(report.Keyset.Sql, connection, transaction) { CommandTimeout = (int)StatementTimeout.TotalSeconds };
        foreach (var (name, value) in report.Bind(SampleArguments(report)))
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SchemaOnly, cancellationToken);
        var returned = Enumerable.Range(0, reader.FieldCount)
            .Select(i => (Name: reader.GetName(i), Type: BaseTypeName(reader.GetDataTypeName(i)), Clr: reader.GetFieldType(i)))
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
            if (!Reads(column.Type, returned[i].Type, returned[i].Clr))
            {
                errors.Add(new CatalogError(entry.File, entry.ColumnLines[i], $"columns[{i}].type",
                    $"'{column.Name}' is declared {column.Type.ToString().ToLowerInvariant()}, but the query's column {i + 1} ({returned[i].Name}) is {returned[i].Type}."));
            }
        }

        return errors;
    }

    /// <summary>Whether a column of the declared type can read a value of the database's type (as the row copier reads it).</summary>
    private static bool Reads(ColumnType declared, string databaseType, Type clr) => declared switch
    {
        ColumnType.Integer => databaseType is "smallint" or "integer" or "bigint",
        ColumnType.Decimal => databaseType is "numeric" or "smallint" or "integer" or "bigint",
        ColumnType.Timestamp => databaseType is "timestamp with time zone" or "timestamp without time zone",
        ColumnType.Date => databaseType == "date",
        _ => clr == typeof(string),
    };

    /// <summary>The type's name without its modifiers: <c>numeric(12,2)</c> is <c>numeric</c>.</summary>
    private static string BaseTypeName(string name) => name.IndexOf('(', StringComparison.Ordinal) is var at and >= 0
        ? name[..at] + name[(name.IndexOf(')', at) + 1)..]
        : name;

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
