using System.Data;
using Npgsql;
using Reports.Core.Catalog;

namespace Reports.Core.Generation;

/// <summary>
/// Reads a report's rows page by page with keyset pagination: memory is bounded by the page size, and each page
/// is an index range scan that starts where the previous one stopped, however deep into the report it is.
/// </summary>
/// <param name="querySlot">Waits for a query slot of the report's source (its cap); none when null.</param>
public sealed class KeysetReader(
    ReportDefinition report, ReportArguments arguments, int pageSize, Func<CancellationToken, Task<IAsyncDisposable>>? querySlot = null)
{
    private readonly IReadOnlyDictionary<string, object?> _bound = report.Bind(arguments);
    private readonly string _firstPageSql = PageSql(report, withKeyset: false);
    private readonly string _nextPageSql = PageSql(report, withKeyset: true);

    public ReportDefinition Report => report;

    public async Task<long> CountAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var rows = report.Keyset.PageJoin?.DrivingSql ?? report.Keyset.Sql;
        await using var slot = await TakeSlotAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM ({rows}) AS report_rows", connection) { CommandTimeout = 0 };
        BindFilters(command);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Opens the page after <paramref name="cursor"/>; reading its rows moves the cursor.</summary>
    public Task<KeysetPage> OpenPageAsync(NpgsqlConnection connection, KeysetCursor cursor, CancellationToken cancellationToken) =>
        OpenAsync(connection, cursor, sequential: false, cancellationToken);

    /// <summary>
    /// Opens the page after <paramref name="cursor"/> for sequential access: each row's columns are read once, in order,
    /// without Npgsql buffering the row, and the reader captures the key columns into the cursor as it meets them.
    /// </summary>
    public Task<KeysetPage> OpenSequentialPageAsync(NpgsqlConnection connection, KeysetCursor cursor, CancellationToken cancellationToken) =>
        OpenAsync(connection, cursor, sequential: true, cancellationToken);

    private async Task<KeysetPage> OpenAsync(NpgsqlConnection connection, KeysetCursor cursor, bool sequential, CancellationToken cancellationToken)
    {
        var slot = await TakeSlotAsync(cancellationToken);
        var command = new NpgsqlCommand(cursor.HasValue ? _nextPageSql : _firstPageSql, connection) { CommandTimeout = 0 };
        try
        {
            BindFilters(command);
            command.Parameters.AddWithValue("page_size", pageSize);
            if (cursor.HasValue)
            {
                for (var i = 0; i < cursor.Count; i++)
                {
                    command.Parameters.AddWithValue($"key_{i}", cursor.Value(i));
                }
            }

            var behavior = sequential ? CommandBehavior.SequentialAccess : CommandBehavior.Default;
            return new KeysetPage(command, await command.ExecuteReaderAsync(behavior, cancellationToken), cursor, sequential, slot);
        }
        catch
        {
            await command.DisposeAsync();
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

    private void BindFilters(NpgsqlCommand command)
    {
        foreach (var (name, value) in _bound)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
    }

    private static string PageSql(ReportDefinition report, bool withKeyset)
    {
        var keys = string.Join(", ", report.Keyset.KeyExpressions);
        var lastKeys = string.Join(", ", report.Keyset.KeyExpressions.Select((_, i) => $"@key_{i}"));
        var keyset = withKeyset ? $"\n  AND ({keys}) > ({lastKeys})" : "";
        if (report.Keyset.PageJoin is { } join)
        {
            var page = $"({join.DrivingSql}{keyset}\nORDER BY {keys}\nLIMIT @page_size)";
            return $"{join.Select.Replace(KeysetPageJoin.PagePlaceholder, page, StringComparison.Ordinal)}\nORDER BY {keys}";
        }

        return $"{report.Keyset.Sql}{keyset}\nORDER BY {keys}\nLIMIT @page_size";
    }
}
