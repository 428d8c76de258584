namespace Reports.Core.Catalog.Definitions;

/// <summary>Completed sales per day and country, in euros at the dataset's reference rates; the PDF adds a chart.</summary>
public static class DailySalesReport
{
    public static ReportDefinition Definition { get; } = new()
    {
        Name = "daily-sales",
        Queue = Queue.QueueNames.Bulk, // an aggregate over years: heavy, never in the way of interactive exports
        Title = "Daily sales by country",
        Description = "Completed orders per day and country: orders, items, revenue and average order value, in EUR at fixed reference rates.",
        MaxDateSpanDays = 5 * 366,
        Limits = new() { MaxRows = 1_000_000, MaxPdfPages = 2_000, TimeLimit = TimeSpan.FromMinutes(15) },
        Parameters =
        [
            new() { Name = "from", Type = ParameterType.Date, Required = true, Description = "First day (UTC), inclusive." },
            new() { Name = "to", Type = ParameterType.Date, Required = true, Description = "Last day (UTC), inclusive." },
            new() { Name = "countries", Type = ParameterType.TextList, Pattern = "^[A-Z]{2}$", Description = "ISO 3166-1 alpha-2 country codes; all when absent." },
            .. OutputParameters.For(OutputParameters.Portrait),
        ],
        Columns =
        [
            new("day", "Day (UTC)", ColumnType.Date, Width: 1.1f),
            new("country", "Country", ColumnType.Text, Width: 0.8f),
            new("orders", "Orders", ColumnType.Integer, "#,##0", Width: 0.8f),
            new("items", "Items", ColumnType.Integer, "#,##0", Width: 0.8f),
            new("revenue_eur", "Revenue (EUR)", ColumnType.Decimal, "#,##0.00", Width: 1.3f),
            new("average_order_eur", "Avg order (EUR)", ColumnType.Decimal, "#,##0.00", Width: 1.3f),
        ],
        Query = new KeysetQuery(
            """
            SELECT d.day, d.country, d.orders, d.items, d.revenue_eur, d.average_order_eur
            FROM (
                SELECT (o.ordered_at AT TIME ZONE 'UTC')::date AS day, o.country::text AS country,
                       count(*) AS orders, sum(o.items) AS items,
                       round(sum(o.amount * r.eur), 2) AS revenue_eur,
                       round(sum(o.amount * r.eur) / count(*), 2) AS average_order_eur
                FROM sales.orders AS o JOIN sales.fx_rates AS r ON r.currency = o.currency
                WHERE o.ordered_at >= @from AND o.ordered_at < @to AND o.status = 'completed'
                  AND (@countries::text[] IS NULL OR o.country = ANY(@countries))
                GROUP BY 1, 2
            ) AS d
            WHERE TRUE
            """,
            KeyExpressions: ["d.day", "d.country"],
            KeyColumns: [0, 1]),
        Bind = arguments => new Dictionary<string, object?>
        {
            ["from"] = Dates.StartOfDayUtc(arguments.GetDate("from")),
            ["to"] = Dates.StartOfDayUtc(arguments.GetDate("to").AddDays(1)),
            ["countries"] = arguments.Get<string[]>("countries"),
        },
        Totals = new ReportTotals(new Dictionary<string, string>
        {
            ["orders"] = "sum(orders)",
            ["items"] = "sum(items)",
            ["revenue_eur"] = "sum(revenue_eur)",
            ["average_order_eur"] = "round(sum(revenue_eur) / nullif(sum(orders), 0), 2)",
        }),
        Chart = new ReportChart("Revenue per day (EUR, all selected countries)", TimeColumn: "day", ValueColumn: "revenue_eur"),
    };
}
