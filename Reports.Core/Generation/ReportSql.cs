using Reports.Core.Catalog;
using Reports.Core.Generation.Partitions;
using Reports.Core.Sources.Dialects;

namespace Reports.Core.Generation;

/// <summary>
/// The statements the engine writes around a report's own SQL, per dialect: its keyset pages, its row count, and the
/// totals and chart queries of a PDF. The generators run them; the catalog check describes them on the source.
/// </summary>
public static class ReportSql
{
    /// <summary>
    /// A page of rows in key order: the first (<paramref name="afterCursor"/> false) or the one after the keys bound as
    /// <c>@key_0</c>, <c>@key_1</c>, …; at most <c>@page_size</c> rows. Within a partition (<paramref name="range"/>), only
    /// rows whose first key is at least <c>@partition_from</c> and below <c>@partition_to</c> (where the range has them).
    /// </summary>
    public static string Page(ReportDefinition report, SqlDialect dialect, bool afterCursor, KeyRange? range = null)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(dialect);
        var keys = report.Keyset.KeyExpressions;
        var order = string.Join(", ", keys);
        var keyset = afterCursor ? $"\n  AND ({dialect.KeysAfter(keys, [.. keys.Select((_, i) => "@" + CursorParameter(i))])})" : "";
        if (range?.From is not null)
        {
            keyset += $"\n  AND {keys[0]} >= @{KeyRange.FromParameter}";
        }

        if (range?.To is not null)
        {
            keyset += $"\n  AND {keys[0]} < @{KeyRange.ToParameter}";
        }

        if (report.Keyset.PageJoin is { } join)
        {
            var page = $"({join.DrivingSql}{keyset}\nORDER BY {order}\nLIMIT @page_size)";
            return $"{join.Select.Replace(KeysetPageJoin.PagePlaceholder, page, StringComparison.Ordinal)}\nORDER BY {order}";
        }

        return $"{report.Keyset.Sql}{keyset}\nORDER BY {order}\nLIMIT @page_size";
    }

    /// <summary>The name (without <c>@</c>) a page binds the cursor's <paramref name="key"/>-th value to.</summary>
    public static string CursorParameter(int key) => $"key_{key}";

    /// <summary>
    /// The report's rows counted, and the first key's values that cut them into parts of about equal rows: its discrete
    /// percentiles at <c>@fractions</c> in a random sample of the rows (each kept with probability <c>@sample</c>), over
    /// the driving table alone when pages are cut from it. One pass over the rows, the count's, plus a sort of the
    /// sample's keys. Null where the source has no percentile aggregate (MySQL, MariaDB).
    /// </summary>
    public static string? CountAndPartitionBounds(ReportDefinition report, SqlDialect dialect)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(dialect);
        if (!dialect.HasPercentiles)
        {
            return null;
        }

        // Key expressions are column references (`name` or `alias.name`): the driving query returns the column by its name.
        return report.Keyset.PageJoin is { } join
            ? $"SELECT count(*), percentile_disc(@fractions) WITHIN GROUP (ORDER BY report_rows.{report.Keyset.KeyExpressions[0].Split('.')[^1]}){Sampled} FROM ({join.DrivingSql}) AS report_rows"
            : $"{Rows(report, dialect)} SELECT count(*), percentile_disc(@fractions) WITHIN GROUP (ORDER BY {dialect.Quote(report.Columns[report.Keyset.KeyColumns[0]].Name)}){Sampled} FROM report_rows";
    }

    /// <summary>
    /// The report's rows in key order with only their key columns (every other column NULL, so columns keep their places),
    /// at most <c>@page_size</c> of them: where a PDF's segments start (<see cref="KeysetReader.CursorsBeforeAsync"/>).
    /// </summary>
    public static string Keys(ReportDefinition report, SqlDialect dialect)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(dialect);
        var keyColumns = report.Keyset.KeyColumns.ToList();
        if (report.Keyset.PageJoin is { } join)
        {
            // Key expressions are column references (`name` or `alias.name`): the driving query returns them by name.
            var names = report.Keyset.KeyExpressions.Select(k => "report_rows." + k.Split('.')[^1]).ToList();
            var columns = Enumerable.Range(0, report.Columns.Count).Select(c => keyColumns.IndexOf(c) is var k and >= 0 ? names[k] : "NULL");
            return $"SELECT {string.Join(", ", columns)} FROM ({join.DrivingSql}) AS report_rows ORDER BY {string.Join(", ", names)} LIMIT @page_size";
        }

        var quoted = report.Columns.Select(c => dialect.Quote(c.Name)).ToList();
        var selected = Enumerable.Range(0, report.Columns.Count).Select(c => keyColumns.Contains(c) ? quoted[c] : "NULL");
        return $"{Rows(report, dialect)} SELECT {string.Join(", ", selected)} FROM report_rows ORDER BY {string.Join(", ", keyColumns.Select(c => quoted[c]))} LIMIT @page_size";
    }

    /// <summary>Only a sample of the keys is sorted for the cut: a sort of every key took longer than the pass itself.</summary>
    private const string Sampled = " FILTER (WHERE random() < @sample)";

    /// <summary>The report's rows, counted (from the driving table alone when pages are cut from it).</summary>
    public static string Count(ReportDefinition report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return $"SELECT count(*) FROM ({report.Keyset.PageJoin?.DrivingSql ?? report.Keyset.Sql}) AS report_rows";
    }

    /// <summary>
    /// One row per totals group (or one row): the group's text (or NULL), its row count, then each aggregate, in the
    /// order of <see cref="ReportTotals.Aggregates"/>. Without totals, the row count alone.
    /// </summary>
    public static string Totals(ReportDefinition report, SqlDialect dialect)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(dialect);
        var totals = report.Totals ?? new ReportTotals(new Dictionary<string, string>());
        var select = string.Concat(totals.Aggregates.Select(a => $", {a.Value}"));
        return totals.GroupBy is { } group
            ? $"{Rows(report, dialect)} SELECT {dialect.AsText(dialect.Quote(group))}, count(*){select} FROM report_rows GROUP BY {dialect.Quote(group)} ORDER BY {dialect.Quote(group)}"
            : $"{Rows(report, dialect)} SELECT NULL, count(*){select} FROM report_rows";
    }

    /// <summary>The chart's value summed per day, in day order; null for a report without a chart.</summary>
    public static string? Chart(ReportDefinition report, SqlDialect dialect)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(dialect);
        if (report.Chart is not { } chart)
        {
            return null;
        }

        var time = dialect.Quote(chart.TimeColumn);
        return $"{Rows(report, dialect)} SELECT {time}, sum({dialect.Quote(chart.ValueColumn)}) FROM report_rows GROUP BY {time} ORDER BY {time}";
    }

    /// <summary>The key columns of one row whose keys hold a NULL, if any: the rows a keyset never reaches on PostgreSQL.</summary>
    public static string RowWithNullKey(ReportDefinition report, SqlDialect dialect)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(dialect);
        var keys = report.Keyset.KeyColumns.Select(c => dialect.Quote(report.Columns[c].Name)).ToList();
        return $"{Rows(report, dialect)} SELECT {string.Join(", ", keys)} FROM report_rows WHERE {string.Join(" OR ", keys.Select(k => $"{k} IS NULL"))} LIMIT 1";
    }

    /// <summary>The report's rows as a common table expression whose columns carry the report's column names (a form PostgreSQL, MySQL and MariaDB all take).</summary>
    private static string Rows(ReportDefinition report, SqlDialect dialect) =>
        $"WITH report_rows ({string.Join(", ", report.Columns.Select(c => dialect.Quote(c.Name)))}) AS ({report.Keyset.Sql})";
}
