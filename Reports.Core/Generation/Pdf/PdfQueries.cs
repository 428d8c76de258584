using Npgsql;
using Reports.Core.Catalog;

namespace Reports.Core.Generation.Pdf;

/// <summary>
/// The small queries a PDF needs before its first row is drawn: totals (which also count the rows), the chart's series
/// and the subject line. Each reads the report's rows as a subquery whose columns carry the report's column names.
/// </summary>
internal static class PdfQueries
{
    public static async Task<PdfTotals> TotalsAsync(
        NpgsqlConnection connection, ReportDefinition report, IReadOnlyDictionary<string, object?> bound, CancellationToken cancellationToken)
    {
        var totals = report.Totals ?? new ReportTotals(new Dictionary<string, string>());
        var aggregates = totals.Aggregates.ToList();
        var select = string.Concat(aggregates.Select(a => $", {a.Value}"));
        var sql = totals.GroupBy is { } group
            ? $"SELECT {Quote(group)}::text, count(*){select} FROM {Rows(report)} GROUP BY 1 ORDER BY 1"
            : $"SELECT NULL::text, count(*){select} FROM {Rows(report)}";
        await using var command = Command(connection, sql, bound);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<string[]>();
        var values = new List<object?[]>();
        long count = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            count += reader.GetInt64(1);
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
                typed[c] = at >= 0 ? reader.GetValue(2 + at)
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
        NpgsqlConnection connection, ReportDefinition report, IReadOnlyDictionary<string, object?> bound, CancellationToken cancellationToken)
    {
        if (report.Chart is not { } chart)
        {
            return null;
        }

        var sql = $"SELECT {Quote(chart.TimeColumn)}, sum({Quote(chart.ValueColumn)})::float8 FROM {Rows(report)} GROUP BY 1 ORDER BY 1";
        await using var command = Command(connection, sql, bound);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var days = new List<DateOnly>();
        var values = new List<double>();
        while (await reader.ReadAsync(cancellationToken))
        {
            days.Add(reader.GetFieldValue<DateOnly>(0));
            values.Add(reader.IsDBNull(1) ? 0 : reader.GetDouble(1));
        }

        return new PdfChartSeries(chart.Title, days, values);
    }

    public static async Task<string?> SubjectAsync(
        NpgsqlConnection connection, ReportDefinition report, IReadOnlyDictionary<string, object?> bound, CancellationToken cancellationToken)
    {
        if (report.SubjectSql is not { } sql)
        {
            return null;
        }

        await using var command = Command(connection, sql, bound);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    private static string Rows(ReportDefinition report) =>
        $"({report.Keyset.Sql}) AS report_rows({string.Join(", ", report.Columns.Select(c => Quote(c.Name)))})";

    private static string Quote(string name) => $"\"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, IReadOnlyDictionary<string, object?> bound)
    {
        var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        foreach (var (name, value) in bound)
        {
            if (sql.Contains("@" + name, StringComparison.Ordinal))
            {
                command.Parameters.AddWithValue(name, value ?? DBNull.Value);
            }
        }

        return command;
    }
}

/// <summary>The report's row count and its totals rows, formatted (PDF) and as the values PostgreSQL returned (XLSX).</summary>
internal sealed record PdfTotals(long Rows, IReadOnlyList<string[]> Cells, IReadOnlyList<object?[]> Values);

/// <summary>A value per day for the chart.</summary>
internal sealed record PdfChartSeries(string Title, IReadOnlyList<DateOnly> Days, IReadOnlyList<double> Values);
