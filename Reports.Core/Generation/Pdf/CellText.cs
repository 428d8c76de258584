using System.Data.Common;
using System.Globalization;
using Reports.Core.Catalog;

namespace Reports.Core.Generation.Pdf;

/// <summary>How a value reads in a PDF cell: numbers with the column's fixed decimals, UTC times to the minute.</summary>
internal static class CellText
{
    public static string Format(ReportColumn column, DbDataReader row, int ordinal)
    {
        if (row.IsDBNull(ordinal))
        {
            return "";
        }

        return column.Type switch
        {
            ColumnType.Integer => row.GetInt64(ordinal).ToString(column.Format ?? "0", CultureInfo.InvariantCulture),
            ColumnType.Decimal => row.GetDecimal(ordinal).ToString(column.Format ?? "0.00", CultureInfo.InvariantCulture),
            ColumnType.Timestamp => row.GetDateTime(ordinal).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
            ColumnType.Date => row.GetFieldValue<DateOnly>(ordinal).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            _ => row.GetString(ordinal),
        };
    }

    /// <summary>A totals value, typed by what the aggregate returned.</summary>
    public static string Format(ReportColumn column, object? value) => value switch
    {
        null or DBNull => "",
        string text => text,
        decimal number => number.ToString(column.Format ?? "0.00", CultureInfo.InvariantCulture),
        long or int or short => System.Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(column.Format ?? "0", CultureInfo.InvariantCulture),
        double real => real.ToString(column.Format ?? "0.00", CultureInfo.InvariantCulture),
        IFormattable other => other.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
