using System.Globalization;
using Npgsql;

namespace Reports.Tests.ReportTypes;

/// <summary>Rows read straight from PostgreSQL by the test, and formatted as a CSV cell should show them.</summary>
public static class SqlRows
{
    public static async Task<List<object[]>> ReadAsync(string connectionString, string sql, params object[] parameters)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.AddWithValue(parameter);
        }

        await using var reader = await command.ExecuteReaderAsync();
        return await AllAsync(reader);
    }

    /// <summary>Every row the reader holds, each as its values.</summary>
    public static async Task<List<object[]>> AllAsync(System.Data.Common.DbDataReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var rows = new List<object[]>();
        while (await reader.ReadAsync())
        {
            var row = new object[reader.FieldCount];
            reader.GetValues(row);
            rows.Add(row);
        }

        return rows;
    }

    /// <summary>A value as the CSV writes it: invariant numbers, UTC times to the second, dates, neutralised formulas.</summary>
    public static string Csv(object value) => value switch
    {
        DBNull => "",
        DateTime time => time.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
        DateOnly day => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        string text when text.Length > 0 && "=+-@\t\r".Contains(text[0], StringComparison.Ordinal) => "'" + text,
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString()!,
    };

    public static string[] CsvRow(object[] row) => [.. row.Select(Csv)];

    public static DateTime Utc(int year, int month, int day) => new(year, month, day, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>A number as the PDF shows it (thousands separators) read back.</summary>
    public static decimal Number(string text) => decimal.Parse(text.Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);
}
