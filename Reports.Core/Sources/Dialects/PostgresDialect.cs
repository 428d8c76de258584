using System.Data;
using System.Data.Common;
using Npgsql;
using Reports.Core.Catalog;

namespace Reports.Core.Sources.Dialects;

/// <summary>PostgreSQL: row comparison for the keyset (an index range scan on the keys), arrays for list parameters.</summary>
public sealed class PostgresDialect : SqlDialect
{
    public static readonly PostgresDialect Instance = new();

    private PostgresDialect()
    {
    }

    public override string Quote(string name) => $"\"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

    public override string KeysAfter(IReadOnlyList<string> keys, IReadOnlyList<string> cursorParameters) =>
        $"({string.Join(", ", keys)}) > ({string.Join(", ", cursorParameters)})";

    public override bool HasPercentiles => true;

    public override string AsText(string expression) => $"({expression})::text";

    /// <summary><c>numeric(12,2)</c> is <c>numeric</c>.</summary>
    public override string TypeName(string databaseType)
    {
        ArgumentNullException.ThrowIfNull(databaseType);
        return databaseType.IndexOf('(', StringComparison.Ordinal) is var at and >= 0
            ? databaseType[..at] + databaseType[(databaseType.IndexOf(')', at) + 1)..]
            : databaseType;
    }

    public override bool Reads(ColumnType declared, string databaseType, Type clr) => declared switch
    {
        ColumnType.Integer => databaseType is "smallint" or "integer" or "bigint",
        ColumnType.Decimal => databaseType is "numeric" or "smallint" or "integer" or "bigint",
        ColumnType.Timestamp => databaseType is "timestamp with time zone" or "timestamp without time zone",
        ColumnType.Date => databaseType == "date",
        _ => clr == typeof(string),
    };

    /// <summary>57014, query_canceled: a statement timeout (a cancelled token surfaces as an OperationCanceledException instead).</summary>
    /// <summary>
    /// The server's statement timeout, or the client's backstop (the pool's command timeout, a little longer, for a
    /// statement that turned the server's off). A cancel from elsewhere (a DBA's <c>pg_cancel_backend</c>) shares the
    /// server's code but not its reason, and is not a timeout: the attempt is retried.
    /// </summary>
    public override bool IsStatementTimeout(Exception exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.QueryCanceled } canceled
            ? canceled.MessageText.Contains("statement timeout", StringComparison.Ordinal)
            : exception is NpgsqlException { InnerException: TimeoutException } client
              && client.Message.Contains("reading from stream", StringComparison.Ordinal); // not a pool or connect timeout

    public override async Task PrepareOnlyAsync(DbCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        // Parse and Describe only: Npgsql sends no Execute for a schema-only reader.
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SchemaOnly, cancellationToken);
    }

    public override async Task BeginReadOnlyAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        await using var readOnly = connection.CreateCommand();
        readOnly.CommandText = "SET TRANSACTION READ ONLY";
        await readOnly.ExecuteNonQueryAsync(cancellationToken);
    }
}
