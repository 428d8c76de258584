using System.Data.Common;
using Reports.Core.Sources.Dialects;
using Reports.Core.Telemetry;

namespace Reports.Core.Generation;

/// <summary>
/// Reads every row of a report, keyset page by keyset page, for the formats that make their file again from the first
/// row on every attempt (PDF, XLSX) and so keep no checkpoint: <c>rowsWritten</c> moves after every full page (after
/// the last one the completion records the rows), and the caller hears of each row and of each page's end.
/// </summary>
internal static class WholeReportPages
{
    /// <summary>
    /// The most rows a page holds here, whatever <see cref="GenerationOptions.PageSize"/> says: these formats draw or
    /// write each row while its page's statement (and its query slot) is open, so a large page would hold the source
    /// for seconds of drawing (a PDF draws ~35 rows a page at ~950 pages/s: 20,000 rows are about 0.6 s).
    /// </summary>
    public const int MaxPageRows = 20_000;

    /// <param name="sequential">Read each row's columns once, in order; <paramref name="row"/> then captures the keys into the cursor.</param>
    /// <param name="counted">The rows counted before the first page (see <see cref="KeysetReader.CheckNoRowLeftOutAsync"/>).</param>
    /// <param name="cursor">Where to start (after its row; from the first row when it has none); reading moves it.</param>
    /// <param name="exactly">Read no more than <paramref name="counted"/> rows (a segment of a file), rather than every row there is.</param>
    /// <param name="reportRows">Hears the rows read so far after every full page.</param>
    /// <returns>The rows read.</returns>
    public static async Task<long> ReadAsync(
        DbConnection connection, SqlDialect dialect, GenerationRequest request, int pageSize, long counted, bool sequential, KeysetCursor cursor,
        bool exactly, Func<long, CancellationToken, Task> reportRows, Action<DbDataReader, KeysetCursor> row, Action pageRead,
        Func<CancellationToken, Task<IAsyncDisposable>>? querySlot, CancellationToken cancellationToken)
    {
        pageSize = Math.Min(pageSize, MaxPageRows);
        var reader = new KeysetReader(request.Report, request.Arguments, pageSize, dialect, querySlot);
        long rows = 0;
        int pageRows;
        int asked;
        do
        {
            asked = exactly ? (int)Math.Min(pageSize, counted - rows) : pageSize;
            if (asked == 0)
            {
                break;
            }

            using var pageActivity = ReportsActivities.Source.StartActivity(ReportsActivities.Page);
            pageActivity?.SetTag(ReportsActivities.PageTag, (rows / pageSize) + 1);
            await using (var page = sequential
                ? await reader.OpenSequentialPageAsync(connection, cursor, asked, cancellationToken)
                : await reader.OpenPageAsync(connection, cursor, asked, cancellationToken))
            {
                pageRows = 0;
                while (await page.ReadAsync(cancellationToken))
                {
                    row(page.Row, cursor);
                    pageRows++;
                }
            }

            rows += pageRows;
            pageActivity?.SetTag(ReportsActivities.RowsTag, pageRows);
            ReportsMetrics.RowsWritten.Add(pageRows, new KeyValuePair<string, object?>(ReportsActivities.ReportTypeTag, request.Report.Name));
            if (pageRows == pageSize)
            {
                // More pages may follow; after the last one the completion records the rows.
                await reportRows(rows, cancellationToken);
            }

            pageRead();
        }
        while (pageRows == asked);

        await reader.CheckNoRowLeftOutAsync(connection, counted, rows, cancellationToken);
        return rows;
    }
}
