using System.Data.Common;
using System.Globalization;
using Reports.Core.Catalog;
using Reports.Core.Sources.Dialects;

namespace Reports.Core.Generation.Pdf;

/// <summary>
/// The small queries a PDF needs before its first row is drawn: totals (which also count the rows), the chart's series
/// and the subject line (their SQL from <see cref="ReportSql"/>).
/// </summary>
internal static class PdfQueries
{
    public static async Task<PdfTotals> TotalsAsync(
        DbConnection connection, SqlDialect dialect, ReportDefinition report, IReadOnlyDictionary<string, object?> bound, CancellationToken cancellationToken)
    {
        var totals = report.Totals ?? new ReportTotals(new Dictionary<string, string>());
        var aggregates = totals.Aggregates.ToList();
        await using var command = dialect.Command(connection, ReportSql.Totals(report, dialect), bound);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<string[]>();
        var values = new List<object?[]>();
        long count = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            count += Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture);
            if (report.Totals is null)
            {
                continue;
            }

            var cells = new string[report.Columns.Count];
            var typed = new object?[report.Columns.Count];
            for (var c = 0; c < report.Columns.Count; c++)
            {
                var column = report.Columns[c];
                var at = aggregates.FindIndex(a => a.Key == column.Name);
                typed[c] = at >= 0 ? TotalValue(column, reader.GetValue(2 + at))
                    : column.Name == totals.GroupBy ? reader.GetString(0)
                    : null;
                cells[c] = at >= 0 ? CellText.Format(column, typed[c]!)
                    : column.Name == totals.GroupBy ? reader.GetString(0)
                    : "";
            }

            cells[0] = cells[0].Length == 0 ? "Total" : cells[0];
            typed[0] = typed[0] ?? "Total";
            rows.Add(cells);
            values.Add(typed);
        }

        return new PdfTotals(count, rows, values);
    }

    public static async Task<PdfChartSeries?> ChartAsync(
        DbConnection connection, SqlDialect dialect, ReportDefinition report, IReadOnlyDictionary<string, object?> bound, CancellationToken cancellationToken)
    {
        if (report.Chart is not { } chart || ReportSql.Chart(report, dialect) is not { } sql)
        {
            return null;
        }

        await using var command = dialect.Command(connection, sql, bound);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var days = new List<DateOnly>();
        var values = new List<double>();
        while (await reader.ReadAsync(cancellationToken))
        {
            days.Add(reader.GetFieldValue<DateOnly>(0));
            values.Add(reader.IsDBNull(1) ? 0 : Convert.ToDouble(reader.GetValue(1), CultureInfo.InvariantCulture));
        }

        return new PdfChartSeries(chart.Title, days, values);
    }

    public static async Task<string?> SubjectAsync(
        DbConnection connection, SqlDialect dialect, ReportDefinition report, IReadOnlyDictionary<string, object?> bound, CancellationToken cancellationToken)
    {
        if (report.SubjectSql is not { } sql)
        {
            return null;
        }

        await using var command = dialect.Command(connection, sql, bound);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>
    /// An aggregate's value as its column's type reads it: <c>sum</c> of integers is a decimal on MySQL (and of bigints on
    /// PostgreSQL), yet an integer column's total is an integer.
    /// </summary>
    private static object? TotalValue(ReportColumn column, object? value) => value switch
    {
        decimal number when column.Type == ColumnType.Integer && number == decimal.Truncate(number) => (long)number,
        _ => value,
    };
}

/// <summary>The report's row count and its totals rows, formatted (PDF) and as the values the source returned (XLSX).</summary>
internal sealed record PdfTotals(long Rows, IReadOnlyList<string[]> Cells, IReadOnlyList<object?[]> Values);

/// <summary>A value per day for the chart.</summary>
internal sealed record PdfChartSeries(string Title, IReadOnlyList<DateOnly> Days, IReadOnlyList<double> Values);
