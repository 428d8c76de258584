using System.Data;
using System.Data.Common;
using System.Text.Json;
using MySqlConnector;
using Reports.Core.Catalog;

namespace Reports.Core.Sources.Dialects;

/// <summary>
/// MySQL and MariaDB. The keyset predicate is spelt out column by column (<c>a &gt;= @k0 AND (a &gt; @k0 OR b &gt; @k1)</c>)
/// because their optimizers do not turn a row comparison into an index range. A list parameter arrives as a JSON array
/// (text), or NULL when absent: a definition tests membership with <c>JSON_CONTAINS(@list, JSON_QUOTE(column))</c>.
/// </summary>
public sealed class MySqlDialect : SqlDialect
{
    public static readonly MySqlDialect Instance = new();

    private MySqlDialect()
    {
    }

    public override string Quote(string name) => $"`{name.Replace("`", "``", StringComparison.Ordinal)}`";

    public override string KeysAfter(IReadOnlyList<string> keys, IReadOnlyList<string> cursorParameters)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(cursorParameters);
        var predicate = $"{keys[^1]} > {cursorParameters[^1]}";
        for (var i = keys.Count - 2; i >= 0; i--)
        {
            predicate = $"{keys[i]} >= {cursorParameters[i]} AND ({keys[i]} > {cursorParameters[i]} OR ({predicate}))";
        }

        return predicate;
    }

    public override string AsText(string expression) => $"CAST({expression} AS CHAR)";

    /// <summary>
    /// MySqlConnector describes a statement only by running it: run with no rows to return (as the engine pages it, the
    /// definition's SQL takes a LIMIT at its end), which the server answers without reading any.
    /// </summary>
    public override string Describable(string sql) => $"{sql}\nLIMIT 0";

    /// <summary>Lowercase, as in MySQL's manual: <c>BIGINT</c> is <c>bigint</c>.</summary>
    public override string TypeName(string databaseType) => databaseType.ToLowerInvariant();

    public override bool Reads(ColumnType declared, string databaseType, Type clr) => declared switch
    {
        ColumnType.Integer => databaseType is "tinyint" or "smallint" or "mediumint" or "int" or "bigint",
        ColumnType.Decimal => databaseType is "decimal" or "tinyint" or "smallint" or "mediumint" or "int" or "bigint",
        ColumnType.Timestamp => databaseType is "datetime" or "timestamp",
        ColumnType.Date => databaseType == "date",
        _ => clr == typeof(string),
    };

    /// <summary>MariaDB's <c>max_statement_time</c> (1969) or MySQL's <c>max_execution_time</c> (3024) ended the statement.</summary>
    /// <summary>MariaDB's <c>max_statement_time</c> (1969), MySQL's <c>max_execution_time</c> (3024), or the client's backstop (the pool's command timeout).</summary>
    public override bool IsStatementTimeout(Exception exception) =>
        exception is MySqlException { ErrorCode: (MySqlErrorCode)1969 or (MySqlErrorCode)3024 or MySqlErrorCode.CommandTimeoutExpired };

    /// <summary>
    /// A server-side prepare (COM_STMT_PREPARE), which resolves every name and runs nothing. A schema-only reader is no
    /// substitute here: MySqlConnector runs the statement under <c>sql_select_limit = 0</c>, which an explicit LIMIT, or
    /// an aggregate's one row, does not stop.
    /// </summary>
    public override async Task PrepareOnlyAsync(DbCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        await command.PrepareAsync(cancellationToken);
    }

    public override async Task BeginReadOnlyAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await ((MySqlConnection)connection).BeginTransactionAsync(IsolationLevel.ReadCommitted, isReadOnly: true, cancellationToken);

    protected override object ParameterValue(object? value) => value switch
    {
        string[] list => JsonSerializer.Serialize(list),
        _ => base.ParameterValue(value),
    };
}
