namespace Reports.Core.Catalog.Definitions;

/// <summary>One customer's orders over a period, with what was charged and the running balance.</summary>
public static class CustomerStatementReport
{
    public static ReportDefinition Definition { get; } = new()
    {
        Name = "customer-statement",
        Title = "Customer statement",
        Description = "One customer's orders over a period; completed and pending orders are charged, and the balance runs over the period.",
        MaxDateSpanDays = 10 * 366,
        Limits = new() { MaxRows = 100_000, MaxPdfPages = 5_000, TimeLimit = TimeSpan.FromMinutes(5) },
        Parameters =
        [
            new()
            {
                Name = "customerId", Type = ParameterType.Integer, Required = true, Minimum = 1, Maximum = int.MaxValue,
                Description = "The customer's id.",
                MustExist = new ReferenceCheck("SELECT EXISTS (SELECT 1 FROM sales.customers WHERE id = @value)", "customer"),
            },
            new() { Name = "from", Type = ParameterType.Date, Default = "2020-01-01", Description = "First day (UTC), inclusive." },
            new() { Name = "to", Type = ParameterType.Date, Default = "2025-12-31", Description = "Last day (UTC), inclusive." },
            .. OutputParameters.For(OutputParameters.Portrait),
        ],
        Columns =
        [
            new("order_id", "Order", ColumnType.Integer, Width: 0.9f),
            new("ordered_at_utc", "Date (UTC)", ColumnType.Timestamp, Width: 1.5f),
            new("status", "Status", ColumnType.Text, Width: 1f),
            new("items", "Items", ColumnType.Integer, "#,##0", Width: 0.6f),
            new("currency", "Currency", ColumnType.Text, Width: 0.8f),
            new("amount", "Amount", ColumnType.Decimal, "#,##0.00", Width: 1.1f),
            new("charged", "Charged", ColumnType.Decimal, "#,##0.00", Width: 1.1f),
            new("balance", "Balance", ColumnType.Decimal, "#,##0.00", Width: 1.2f),
        ],
        // The running balance is a window over the customer's whole period, computed before the keyset predicate
        // (which is applied outside the subquery), so every page continues the same balance.
        Query = new KeysetQuery(
            """
            SELECT s.id, s.ordered_at, s.status, s.items, s.currency, s.amount, s.charged, s.balance
            FROM (
                SELECT o.id, o.ordered_at, o.status, o.items, o.currency::text AS currency, o.amount,
                       CASE WHEN o.status IN ('completed', 'pending') THEN o.amount ELSE 0.00 END AS charged,
                       sum(CASE WHEN o.status IN ('completed', 'pending') THEN o.amount ELSE 0.00 END)
                           OVER (ORDER BY o.ordered_at, o.id) AS balance
                FROM sales.orders AS o
                WHERE o.customer_id = @customer_id AND o.ordered_at >= @from AND o.ordered_at < @to
            ) AS s
            WHERE TRUE
            """,
            KeyExpressions: ["s.ordered_at", "s.id"],
            KeyColumns: [1, 0]),
        Bind = arguments => new Dictionary<string, object?>
        {
            ["customer_id"] = (int)arguments.Get<long>("customerId"),
            ["from"] = Dates.StartOfDayUtc(arguments.GetDate("from")),
            ["to"] = Dates.StartOfDayUtc(arguments.GetDate("to").AddDays(1)),
        },
        SubjectSql = "SELECT 'Customer ' || id || ': ' || name || ' (' || country || ', ' || email || ')' FROM sales.customers WHERE id = @customer_id",
        Totals = new ReportTotals(new Dictionary<string, string>
        {
            ["status"] = "count(*)::text || ' orders'",
            ["items"] = "sum(items)",
            ["amount"] = "sum(amount)",
            ["charged"] = "sum(charged)",
            ["balance"] = "coalesce(sum(charged), 0)",
        }),
    };
}
