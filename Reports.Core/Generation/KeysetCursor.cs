using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Reports.Core.Catalog;
using Reports.Core.Jobs;

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
    private readonly string _report;
    private readonly string[] _names;

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
        _report = report.Name;
        _names = [.. report.Columns.Select(c => c.Name)];
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
        ArgumentNullException.ThrowIfNull(row);
        for (var i = 0; i < _columns.Length; i++)
        {
            var column = _columns[i];
            if (row.IsDBNull(column))
            {
                throw NullKey(column);
            }

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

    /// <summary>
    /// A key column without a value: the keyset cannot page past it (a comparison with NULL is never true), so the rows
    /// after it would be lost without a word. The job fails instead, naming the column.
    /// </summary>
    public ReportDefinitionException NullKey(int column) => new(
        $"A row of '{_report}' has no value (NULL) in its key column '{_names[column]}': key columns must never be NULL, or rows would be " +
        "skipped. Select the key with a fallback (COALESCE) or filter such rows out in the definition's SQL.");

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

    public string Serialize() => JsonSerializer.Serialize(Enumerable.Range(0, Count).Select(i => ToText(Value(i))).ToArray());

    /// <summary>A key value as the invariant text checkpoints keep (<see cref="Parse"/> reads it back).</summary>
    public static string ToText(object value) => value switch
    {
        DateTime t => t.ToString("O", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        var other => other.ToString() ?? "",
    };

    /// <summary>A key value of <paramref name="type"/> from the text <see cref="ToText"/> made.</summary>
    public static object Parse(ColumnType type, string text) => type switch
    {
        ColumnType.Integer => long.Parse(text, CultureInfo.InvariantCulture),
        ColumnType.Decimal => decimal.Parse(text, CultureInfo.InvariantCulture),
        ColumnType.Timestamp => DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
        ColumnType.Date => DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture),
        _ => text,
    };

    public void Restore(string serialized)
    {
        var values = JsonSerializer.Deserialize<string[]>(serialized) ?? [];
        if (values.Length != Count)
        {
            throw new InvalidOperationException($"A checkpoint cursor has {values.Length} keys; the report has {Count}.");
        }

        for (var i = 0; i < Count; i++)
        {
            switch (Parse(_types[i], values[i]))
            {
                case long integer: _integers[i] = integer; break;
                case decimal number: _decimals[i] = number; break;
                case DateTime timestamp: _timestamps[i] = timestamp; break;
                case DateOnly date: _dates[i] = date; break;
                case var text: _texts[i] = (string)text; break;
            }
        }

        HasValue = true;
    }
}
