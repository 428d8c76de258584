using System.Data.Common;
using Npgsql;
using Reports.Core.Catalog;

namespace Reports.Core.Generation;

/// <summary>
/// Copies one row of a keyset page into an <see cref="ICellWriter"/>, reading each column once and in order (sequential
/// access) by its type, and the key columns into the cursor on the way. From PostgreSQL, text that is not a key is copied
/// as the UTF-8 bytes the server sent, into a buffer the caller keeps from row to row, with no string made.
/// </summary>
internal static class RowCopier
{
    public static void Copy(ICellWriter writer, IReadOnlyList<ReportColumn> columns, DbDataReader row, KeysetCursor cursor, ref byte[] scratch)
    {
        var rawText = row is NpgsqlDataReader;
        for (var i = 0; i < columns.Count; i++)
        {
            if (row.IsDBNull(i))
            {
                writer.WriteNull();
                continue;
            }

            switch (columns[i].Type)
            {
                case ColumnType.Integer:
                    var integer = row.GetInt64(i);
                    writer.WriteInt64(integer);
                    cursor.Capture(i, integer);
                    break;
                case ColumnType.Decimal:
                    var number = row.GetDecimal(i);
                    writer.WriteDecimal(number);
                    cursor.Capture(i, number);
                    break;
                case ColumnType.Timestamp:
                    var timestamp = row.GetDateTime(i);
                    writer.WriteTimestampUtc(timestamp);
                    cursor.Capture(i, timestamp);
                    break;
                case ColumnType.Date:
                    var date = row.GetFieldValue<DateOnly>(i);
                    writer.WriteDate(date);
                    cursor.Capture(i, date);
                    break;
                default:
                    if (cursor.IsKey(i) || !rawText)
                    {
                        var text = row.GetString(i);
                        writer.WriteText(text);
                        cursor.Capture(i, text);
                    }
                    else
                    {
                        writer.WriteText(TextBytes(row, i, ref scratch));
                    }

                    break;
            }
        }

        writer.EndRow();
        cursor.RowCaptured();
    }

    /// <summary>A text column's raw UTF-8 bytes (the connection's client encoding), read into a reused buffer.</summary>
    private static ReadOnlySpan<byte> TextBytes(DbDataReader row, int ordinal, ref byte[] scratch)
    {
        var length = (int)row.GetBytes(ordinal, 0, null, 0, 0);
        if (length > scratch.Length)
        {
            scratch = new byte[Math.Max(length, scratch.Length * 2)];
        }

        return scratch.AsSpan(0, (int)row.GetBytes(ordinal, 0, scratch, 0, length));
    }
}
