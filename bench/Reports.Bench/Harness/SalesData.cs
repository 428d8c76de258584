using Npgsql;

namespace Reports.Bench.Harness;

/// <summary>Date ranges of the seeded dataset that hold a wanted number of orders, so each scenario asks for its size.</summary>
internal static class SalesData
{
    /// <summary>The first day of every range: five whole years (the orders report's maximum span) of data follow it.</summary>
    public static readonly DateOnly From = new(2021, 1, 1);

    /// <summary>The smallest range from <see cref="From"/> of whole days holding at least <paramref name="rows"/> orders, and its exact row count.</summary>
    public static async Task<(DateOnly To, long Rows)> RangeForAsync(NpgsqlDataSource database, long rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        await using var find = database.CreateCommand("""
            SELECT to_char(ordered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM sales.orders
            WHERE ordered_at >= @from ORDER BY ordered_at, id OFFSET @n LIMIT 1
            """);
        find.Parameters.AddWithValue("from", Start);
        find.Parameters.AddWithValue("n", rows - 1);
        var to = await find.ExecuteScalarAsync(cancellationToken) is string day
            ? DateOnly.ParseExact(day, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"The dataset has fewer than {rows:N0} orders from {From}; seed more.");
        return (to, await CountAsync(database, to, cancellationToken));
    }

    public static async Task<long> CountAsync(NpgsqlDataSource database, DateOnly to, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        await using var count = database.CreateCommand("SELECT count(*) FROM sales.orders WHERE ordered_at >= @from AND ordered_at < @to");
        count.Parameters.AddWithValue("from", Start);
        count.Parameters.AddWithValue("to", End(to));
        return (long)(await count.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The orders report's parameters for <see cref="From"/> to <paramref name="to"/>, inclusive.</summary>
    public static object OrdersParameters(DateOnly to) => new { from = Text(From), to = Text(to) };

    public static DateTime Start => From.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);

    public static DateTime End(DateOnly to) => to.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);

    public static string Text(DateOnly day) => day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}
