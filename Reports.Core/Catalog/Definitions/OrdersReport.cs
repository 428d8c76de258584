namespace Reports.Core.Catalog.Definitions;

/// <summary>The detailed order export: one row per order in a date range, chronological.</summary>
public static class OrdersReport
{
    private const string Filters = """
        WHERE o.ordered_at >= @from AND o.ordered_at < @to
          AND (@countries::text[] IS NULL OR o.country = ANY(@countries))
          AND (@status::text IS NULL OR o.status = @status)
          AND (@min_amount::numeric IS NULL OR o.amount >= @min_amount)
        """;

    public static ReportDefinition Definition { get; } = new()
    {
        Name = "orders",
        Title = "Orders",
        Description = "Every order placed between two dates, with customer, country, status, items and amount.",
        MaxDateSpanDays = 5 * 366,
        Limits = new() { MaxRows = 10_000_000, MaxPdfPages = 25_000, TimeLimit = TimeSpan.FromHours(1) },
        Parameters =
        [
            new() { Name = "from", Type = ParameterType.Date, Required = true, Description = "First day (UTC), inclusive." },
            new() { Name = "to", Type = ParameterType.Date, Required = true, Description = "Last day (UTC), inclusive." },
            new() { Name = "countries", Type = ParameterType.TextList, Pattern = "^[A-Z]{2}$", Description = "ISO 3166-1 alpha-2 country codes; all when absent." },
            new() { Name = "status", Type = ParameterType.Text, Allowed = ["completed", "refunded", "cancelled", "pending"], Description = "Only orders in this status." },
            new() { Name = "minAmount", Type = ParameterType.Decimal, Minimum = 0, Description = "Only orders of at least this amount." },
            .. OutputParameters.For(OutputParameters.Landscape),
        ],
        Columns =
        [
            new("order_id", "Order", ColumnType.Integer, Width: 0.8f),
            new("ordered_at_utc", "Date (UTC)", ColumnType.Timestamp, Width: 1.3f),
            new("customer", "Customer", ColumnType.Text, Width: 2.2f),
            new("country", "Country", ColumnType.Text, Width: 0.7f),
            new("status", "Status", ColumnType.Text, Width: 0.9f),
            new("items", "Items", ColumnType.Integer, "#,##0", Width: 0.6f),
            new("currency", "Currency", ColumnType.Text, Width: 0.7f),
            new("amount", "Amount", ColumnType.Decimal, "#,##0.00", Width: 1.1f),
        ],
        Query = new KeysetQuery(
            $"""
            SELECT o.id, o.ordered_at, c.name, o.country, o.status, o.items, o.currency, o.amount
            FROM sales.orders AS o JOIN sales.customers AS c ON c.id = o.customer_id
            {Filters}
            """,
            KeyExpressions: ["o.ordered_at", "o.id"],
            KeyColumns: [1, 0])
        {
            // A page of orders first, then its customers in one hash join: a customer lookup per row cost more.
            PageJoin = new KeysetPageJoin(
                $"""
                SELECT o.id, o.ordered_at, o.customer_id, o.country, o.status, o.items, o.currency, o.amount
                FROM sales.orders AS o
                {Filters}
                """,
                """
                SELECT o.id, o.ordered_at, c.name, o.country, o.status, o.items, o.currency, o.amount
                FROM {page} AS o JOIN sales.customers AS c ON c.id = o.customer_id
                """),
        },
        Bind = arguments => new Dictionary<string, object?>
        {
            ["from"] = Dates.StartOfDayUtc(arguments.GetDate("from")),
            ["to"] = Dates.StartOfDayUtc(arguments.GetDate("to").AddDays(1)),
            ["countries"] = arguments.Get<string[]>("countries"),
            ["status"] = arguments.Get<string>("status"),
            ["min_amount"] = arguments.Values.TryGetValue("minAmount", out var min) ? min : null,
        },
        // Amounts in different currencies do not add up: one totals row per currency.
        Totals = new ReportTotals(
            new Dictionary<string, string>
            {
                ["customer"] = "count(*)::text || ' orders'",
                ["items"] = "sum(items)",
                ["amount"] = "sum(amount)",
            },
            GroupBy: "currency"),
    };
}
