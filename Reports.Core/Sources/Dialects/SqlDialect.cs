using System.Data.Common;
using Reports.Core.Catalog;

namespace Reports.Core.Sources.Dialects;

/// <summary>
/// What the engine's own SQL (the keyset page, the count, totals and chart queries) and its parameters look like on one
/// kind of source. A definition's own SQL is written for its source and is not translated.
/// </summary>
public abstract class SqlDialect
{
    public static SqlDialect For(SourceKind kind) => kind switch
    {
        SourceKind.PostgreSql => PostgresDialect.Instance,
        SourceKind.MySql => MySqlDialect.Instance,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "No SQL dialect for this kind of source."),
    };

    /// <summary>An identifier, quoted.</summary>
    public abstract string Quote(string name);

    /// <summary>The rows whose keys come after the cursor's, in key order (keys compared left to right).</summary>
    public abstract string KeysAfter(IReadOnlyList<string> keys, IReadOnlyList<string> cursorParameters);

    /// <summary>An expression's value as text.</summary>
    public abstract string AsText(string expression);

    /// <summary>Whether the source has the ordered-set aggregate <c>percentile_disc</c>, which cuts a report into partitions.</summary>
    public virtual bool HasPercentiles => false;

    /// <summary>
    /// Starts the read-only transaction every report query runs in, beside the session's own read-only default: a
    /// transaction that started read-only cannot be turned read-write by a statement inside it. Read committed, so a
    /// long report holds no snapshot between its pages.
    /// </summary>
    public abstract Task BeginReadOnlyAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>A statement that, run with <see cref="System.Data.CommandBehavior.SchemaOnly"/>, gives the shape of <paramref name="sql"/>'s result without reading its rows.</summary>
    public virtual string Describable(string sql) => sql;

    /// <summary>
    /// Has the source parse <paramref name="command"/> and resolve its names, without running it (PostgreSQL describes
    /// the prepared statement; MySQL prepares it on the server). Throws the source's error when it does not prepare.
    /// </summary>
    public abstract Task PrepareOnlyAsync(DbCommand command, CancellationToken cancellationToken);

    /// <summary>A column type's name as the checks compare it (without its modifiers).</summary>
    public abstract string TypeName(string databaseType);

    /// <summary>Whether a column of the declared type can read a value of the database's type (as the row copier reads it).</summary>
    public abstract bool Reads(ColumnType declared, string databaseType, Type clr);

    /// <summary>Whether <paramref name="exception"/> is the source ending a statement that ran past its statement timeout.</summary>
    public abstract bool IsStatementTimeout(Exception exception);

    /// <summary>A report parameter's value as the source's driver takes it.</summary>
    protected virtual object ParameterValue(object? value) => value ?? DBNull.Value;

    /// <summary>
    /// A command with the parameters its SQL names, under the pool's command timeout (the source's statement timeout plus
    /// a margin: the client's backstop should a statement escape the server's). One statement only: definitions may hold
    /// no <c>;</c> at all, so one here means text that was never checked, and it is refused rather than sent as a batch.
    /// </summary>
    public DbCommand Command(DbConnection connection, string sql, IEnumerable<KeyValuePair<string, object?>> parameters)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(sql);
        ArgumentNullException.ThrowIfNull(parameters);
        if (sql.Contains(';', StringComparison.Ordinal))
        {
            throw new Jobs.ReportDefinitionException("A report statement holds a ';': one statement only, never a batch.");
        }

        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            if (sql.Contains("@" + name, StringComparison.Ordinal))
            {
                AddParameter(command, name, value);
            }
        }

        return command;
    }

    public void AddParameter(DbCommand command, string name, object? value)
    {
        ArgumentNullException.ThrowIfNull(command);
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = ParameterValue(value);
        command.Parameters.Add(parameter);
    }
}
