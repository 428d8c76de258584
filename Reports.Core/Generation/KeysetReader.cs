using System.Data;
using System.Data.Common;
using Reports.Core.Catalog;
using Reports.Core.Sources.Dialects;

namespace Reports.Core.Generation;

/// <summary>
/// Reads a report's rows page by page with keyset pagination: memory is bounded by the page size, and each page
/// is an index range scan that starts where the previous one stopped, however deep into the report it is.
/// </summary>
/// <param name="dialect">How the page's SQL is written for the report's source.</param>
/// <param name="querySlot">Waits for a query slot of the report's source (its cap); none when null.</param>
public sealed class KeysetReader(
    ReportDefinition report, ReportArguments arguments, int pageSize, SqlDialect dialect, Func<CancellationToken, Task<IAsyncDisposable>>? querySlot = null)
{
    private readonly IReadOnlyDictionary<string, object?> _bound = report.Bind(arguments);
    private readonly string _firstPageSql = ReportSql.Page(report, dialect, afterCursor: false);
    private readonly string _nextPageSql = ReportSql.Page(report, dialect, afterCursor: true);

    public ReportDefinition Report => report;

    public async Task<long> CountAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var slot = await TakeSlotAsync(cancellationToken);
        await using var command = dialect.Command(connection, ReportSql.Count(report), _bound);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

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
        OpenAsync(connection, cursor, sequential: false, cancellationToken);

    /// <summary>
    /// Opens the page after <paramref name="cursor"/> for sequential access: each row's columns are read once, in order,
    /// without the driver buffering the row, and the reader captures the key columns into the cursor as it meets them.
    /// </summary>
    public Task<KeysetPage> OpenSequentialPageAsync(DbConnection connection, KeysetCursor cursor, CancellationToken cancellationToken) =>
        OpenAsync(connection, cursor, sequential: true, cancellationToken);

    private async Task<KeysetPage> OpenAsync(DbConnection connection, KeysetCursor cursor, bool sequential, CancellationToken cancellationToken)
    {
        var slot = await TakeSlotAsync(cancellationToken);
        DbCommand? command = null;
        try
        {
            command = dialect.Command(connection, cursor.HasValue ? _nextPageSql : _firstPageSql, _bound);
            dialect.AddParameter(command, "page_size", pageSize);
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
