using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Reports.Core.Catalog;

namespace Reports.Core.Generation;

/// <summary>
/// The key of the last row read, kept in typed slots (no boxing per row) and saved in checkpoints as a JSON array
/// of invariant strings, so a resumed job continues right after it.
/// </summary>
public sealed class KeysetCursor
{
    private readonly ColumnType[] _types;
    private readonly int[] _columns;
    private readonly long[] _integers;
    private readonly decimal[] _decimals;
    private readonly DateTime[] _timestamps;
    private readonly DateOnly[] _dates;
    private readonly string?[] _texts;
    private readonly int[] _slotOfColumn;

    public KeysetCursor(ReportDefinition report)
    {
        _columns = [.. report.Keyset.KeyColumns];
        _types = [.. _columns.Select(c => report.Columns[c].Type)];
        _integers = new long[_columns.Length];
        _decimals = new decimal[_columns.Length];
        _timestamps = new DateTime[_columns.Length];
        _dates = new DateOnly[_columns.Length];
        _texts = new string?[_columns.Length];
        _slotOfColumn = [.. Enumerable.Repeat(-1, report.Columns.Count)];
        for (var slot = 0; slot < _columns.Length; slot++)
        {
            _slotOfColumn[_columns[slot]] = slot;
        }
    }

    /// <summary>False until a row has been read (or a checkpoint restored): the first page has no keyset predicate.</summary>
    public bool HasValue { get; private set; }

    public int Count => _columns.Length;

    public void Capture(DbDataReader row)
    {
        for (var i = 0; i < _columns.Length; i++)
        {
            var column = _columns[i];
            switch (_types[i])
            {
                case ColumnType.Integer: _integers[i] = row.GetInt64(column); break;
                case ColumnType.Decimal: _decimals[i] = row.GetDecimal(column); break;
                case ColumnType.Timestamp: _timestamps[i] = row.GetDateTime(column); break;
                case ColumnType.Date: _dates[i] = row.GetFieldValue<DateOnly>(column); break;
                default: _texts[i] = row.GetString(column); break;
            }
        }

        HasValue = true;
    }

    /// <summary>
    /// Keeps <paramref name="value"/> if <paramref name="column"/> is a key column: for readers that see each column once,
    /// in order (sequential access), and so cannot capture the keys after the row.
    /// </summary>
    public void Capture(int column, long value)
    {
        if (Slot(column) is var slot and >= 0)
        {
            _integers[slot] = value;
        }
    }

    /// <inheritdoc cref="Capture(int, long)"/>
    public void Capture(int column, decimal value)
    {
        if (Slot(column) is var slot and >= 0)
        {
            _decimals[slot] = value;
        }
    }

    /// <inheritdoc cref="Capture(int, long)"/>
    public void Capture(int column, DateTime value)
    {
        if (Slot(column) is var slot and >= 0)
        {
            _timestamps[slot] = value;
        }
    }

    /// <inheritdoc cref="Capture(int, long)"/>
    public void Capture(int column, DateOnly value)
    {
        if (Slot(column) is var slot and >= 0)
        {
            _dates[slot] = value;
        }
    }

    /// <inheritdoc cref="Capture(int, long)"/>
    public void Capture(int column, string value)
    {
        if (Slot(column) is var slot and >= 0)
        {
            _texts[slot] = value;
        }
    }

    public bool IsKey(int column) => Slot(column) >= 0;

    /// <summary>Marks the end of a row whose keys were captured column by column.</summary>
    public void RowCaptured() => HasValue = true;

    private int Slot(int column) => _slotOfColumn[column];

    public object Value(int index) => _types[index] switch
    {
        ColumnType.Integer => _integers[index],
        ColumnType.Decimal => _decimals[index],
        ColumnType.Timestamp => _timestamps[index],
        ColumnType.Date => _dates[index],
        _ => _texts[index]!,
    };

    public string Serialize() =>
        JsonSerializer.Serialize(Enumerable.Range(0, Count).Select(i => Value(i) switch
        {
            DateTime t => t.ToString("O", CultureInfo.InvariantCulture),
            DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            var other => other.ToString(),
        }).ToArray());

    public void Restore(string serialized)
    {
        var values = JsonSerializer.Deserialize<string[]>(serialized) ?? [];
        if (values.Length != Count)
        {
            throw new InvalidOperationException($"A checkpoint cursor has {values.Length} keys; the report has {Count}.");
        }

        for (var i = 0; i < Count; i++)
        {
            var value = values[i];
            switch (_types[i])
            {
                case ColumnType.Integer: _integers[i] = long.Parse(value, CultureInfo.InvariantCulture); break;
                case ColumnType.Decimal: _decimals[i] = decimal.Parse(value, CultureInfo.InvariantCulture); break;
                case ColumnType.Timestamp: _timestamps[i] = DateTime.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind); break;
                case ColumnType.Date: _dates[i] = DateOnly.ParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture); break;
                default: _texts[i] = value; break;
            }
        }

        HasValue = true;
    }
}
