using System.Data;
using System.Data.Common;
using Reports.Core.Catalog;
using Reports.Core.Generation.Partitions;
using Reports.Core.Sources.Dialects;

namespace Reports.Core.Generation;

/// <summary>
/// Reads a report's rows page by page with keyset pagination: memory is bounded by the page size, and each page
/// is an index range scan that starts where the previous one stopped, however deep into the report it is.
/// </summary>
/// <param name="dialect">How the page's SQL is written for the report's source.</param>
/// <param name="querySlot">Waits for a query slot of the report's source (its cap); none when null.</param>
/// <param name="range">The partition of the rows this reader pages through; all of them when null.</param>
public sealed class KeysetReader(
    ReportDefinition report, ReportArguments arguments, int pageSize, SqlDialect dialect, Func<CancellationToken, Task<IAsyncDisposable>>? querySlot = null,
    KeyRange? range = null)
{
    private readonly IReadOnlyDictionary<string, object?> _bound = report.Bind(arguments);
    private readonly string _firstPageSql = ReportSql.Page(report, dialect, afterCursor: false, range);
    private readonly string _nextPageSql = ReportSql.Page(report, dialect, afterCursor: true, range);

    public ReportDefinition Report => report;

    public async Task<long> CountAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var slot = await TakeSlotAsync(cancellationToken);
        await using var command = dialect.Command(connection, ReportSql.Count(report), _bound);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Whether the source can tell where to cut the rows into parts of about equal rows (<see cref="CountAndCutAsync"/>).</summary>
    public bool CanCut => ReportSql.CountAndPartitionBounds(report, dialect) is not null;

    /// <summary>
    /// Counts the rows, and in the same pass finds the first key's values at <paramref name="fractions"/> of them (in
    /// key order) in a sample of the rows (each kept with probability <paramref name="sample"/>), each null where there
    /// is none (no rows sampled, or only NULL keys).
    /// </summary>
    public async Task<(long Count, IReadOnlyList<object?> Keys)> CountAndCutAsync(
        DbConnection connection, IReadOnlyList<double> fractions, double sample, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fractions);
        var sql = ReportSql.CountAndPartitionBounds(report, dialect) ?? throw new InvalidOperationException("This source cannot tell where to cut a report.");
        await using var slot = await TakeSlotAsync(cancellationToken);
        await using var command = dialect.Command(connection, sql, _bound);
        dialect.AddParameter(command, "fractions", fractions.ToArray());
        dialect.AddParameter(command, "sample", sample);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var count = Convert.ToInt64(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture);
        var keyType = report.Columns[report.Keyset.KeyColumns[0]].Type;
        IReadOnlyList<object?> keys = reader.GetValue(1) is Array values
            ? [.. values.Cast<object?>().Select(v => v is null or DBNull ? null : KeyValue(keyType, v))]
            : [.. fractions.Select(_ => (object?)null)];
        return (count, keys);
    }

    /// <summary>A value the driver read, as the type the cursor keeps for a key of <paramref name="type"/>.</summary>
    private static object KeyValue(ColumnType type, object value) => type switch
    {
        ColumnType.Integer => Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture),
        ColumnType.Decimal => Convert.ToDecimal(value, System.Globalization.CultureInfo.InvariantCulture),
        ColumnType.Date => value is DateTime day ? DateOnly.FromDateTime(day) : (DateOnly)value,
        ColumnType.Timestamp => (DateTime)value,
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!,
    };

    /// <summary>
    /// After the last page, when fewer rows were read than counted: whether rows with a NULL key are why. PostgreSQL sorts
    /// them after every other row, where the keyset predicate never reaches, so they would be left out without a word;
    /// the report fails instead, naming the column. Fewer rows for another reason (deleted meanwhile) pass. Nothing is
    /// asked when the counts agree, so a report pays for this query only when rows went missing.
    /// </summary>
    public async Task CheckNoRowLeftOutAsync(DbConnection connection, long counted, long read, CancellationToken cancellationToken)
    {
        if (read >= counted)
        {
            return;
        }

        await using var slot = await TakeSlotAsync(cancellationToken);
        await using var command = dialect.Command(connection, ReportSql.RowWithNullKey(report, dialect), _bound);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return;
        }

        var keys = report.Keyset.KeyColumns;
        var column = Enumerable.Range(0, keys.Count).First(i => reader.IsDBNull(i));
        throw new KeysetCursor(report).NullKey(keys[column]);
    }

    /// <summary>Opens the page after <paramref name="cursor"/>; reading its rows moves the cursor.</summary>
    public Task<KeysetPage> OpenPageAsync(DbConnection connection, KeysetCursor cursor, CancellationToken cancellationToken) =>
        OpenAsync(connection, cursor, sequential: false, pageSize, cancellationToken);

    /// <summary>As <see cref="OpenPageAsync(DbConnection, KeysetCursor, CancellationToken)"/>, a page of at most <paramref name="rows"/> rows.</summary>
    public Task<KeysetPage> OpenPageAsync(DbConnection connection, KeysetCursor cursor, int rows, CancellationToken cancellationToken) =>
        OpenAsync(connection, cursor, sequential: false, rows, cancellationToken);

    /// <summary>
    /// Where a reader stops before each of the rows numbered <paramref name="rows"/> (from 0, ascending): the cursor of
    /// the row before it, serialized, to start a segment of the report there. One pass over the keys, in key order, up
    /// to the last of them. Fails when the report holds fewer rows than that (they changed since they were counted).
    /// </summary>
    public async Task<IReadOnlyList<string>> CursorsBeforeAsync(DbConnection connection, IReadOnlyList<long> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            return [];
        }

        await using var slot = await TakeSlotAsync(cancellationToken);
        await using var command = dialect.Command(connection, ReportSql.Keys(report, dialect), _bound);
        dialect.AddParameter(command, "page_size", rows[^1]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var cursor = new KeysetCursor(report);
        var cursors = new List<string>(rows.Count);
        long read = 0;
        while (cursors.Count < rows.Count && await reader.ReadAsync(cancellationToken))
        {
            read++;
            if (read == rows[cursors.Count])
            {
                cursor.Capture(reader);
                cursors.Add(cursor.Serialize());
            }
        }

        return cursors.Count == rows.Count
            ? cursors
            : throw new InvalidOperationException($"The report's rows changed while it was laid out: {read:N0} rows were found, {rows[^1]:N0} were counted.");
    }

    /// <summary>
    /// Opens the page after <paramref name="cursor"/> for sequential access: each row's columns are read once, in order,
    /// without the driver buffering the row, and the reader captures the key columns into the cursor as it meets them.
    /// </summary>
    public Task<KeysetPage> OpenSequentialPageAsync(DbConnection connection, KeysetCursor cursor, CancellationToken cancellationToken) =>
        OpenAsync(connection, cursor, sequential: true, pageSize, cancellationToken);

    /// <summary>As <see cref="OpenSequentialPageAsync(DbConnection, KeysetCursor, CancellationToken)"/>, a page of at most <paramref name="rows"/> rows.</summary>
    public Task<KeysetPage> OpenSequentialPageAsync(DbConnection connection, KeysetCursor cursor, int rows, CancellationToken cancellationToken) =>
        OpenAsync(connection, cursor, sequential: true, rows, cancellationToken);

    private async Task<KeysetPage> OpenAsync(DbConnection connection, KeysetCursor cursor, bool sequential, int rows, CancellationToken cancellationToken)
    {
        var slot = await TakeSlotAsync(cancellationToken);
        DbCommand? command = null;
        try
        {
            command = dialect.Command(connection, cursor.HasValue ? _nextPageSql : _firstPageSql, _bound);
            dialect.AddParameter(command, "page_size", rows);
            if (range?.From is { } from)
            {
                dialect.AddParameter(command, KeyRange.FromParameter, from);
            }

            if (range?.To is { } to)
            {
                dialect.AddParameter(command, KeyRange.ToParameter, to);
            }

            if (cursor.HasValue)
            {
                for (var i = 0; i < cursor.Count; i++)
                {
                    dialect.AddParameter(command, ReportSql.CursorParameter(i), cursor.Value(i));
                }
            }

            var behavior = sequential ? CommandBehavior.SequentialAccess : CommandBehavior.Default;
            return new KeysetPage(command, await command.ExecuteReaderAsync(behavior, cancellationToken), cursor, sequential, slot);
        }
        catch
        {
            if (command is not null)
            {
                await command.DisposeAsync();
            }

            await slot.DisposeAsync();
            throw;
        }
    }

    private async Task<IAsyncDisposable> TakeSlotAsync(CancellationToken cancellationToken) =>
        querySlot is null ? NoQuerySlot.Instance : await querySlot(cancellationToken);

    private sealed class NoQuerySlot : IAsyncDisposable
    {
        public static readonly NoQuerySlot Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
