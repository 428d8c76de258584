namespace Reports.Chaos;

/// <summary>
/// The mix of reports the chaos run requests: CSVs of several sizes on both queues, and PDFs. The largest CSVs and the
/// long PDF run for several leases, so workers are killed, scaled in and frozen in the middle of them.
/// </summary>
internal sealed record JobSpec(string Name, string Type, string Format, object Parameters)
{
    /// <summary>PDFs carry their generation time, so only CSVs can be compared byte for byte with a reference run.</summary>
    public bool Deterministic => Format == "csv";

    public object Request => new { type = Type, format = Format, parameters = Parameters };

    public static IReadOnlyList<JobSpec> Mix { get; } =
    [
        new("orders-week", "orders", "csv", new { from = "2024-03-01", to = "2024-03-07" }),
        new("orders-quarter", "orders", "csv", new { from = "2024-01-01", to = "2024-03-31" }),
        new("orders-year", "orders", "csv", new { from = "2023-01-01", to = "2023-12-31" }),
        new("orders-five-years", "orders", "csv", new { from = "2021-01-01", to = "2025-12-31" }),
        new("orders-de-fr", "orders", "csv", new { from = "2022-01-01", to = "2024-12-31", countries = new[] { "DE", "FR" } }),
        new("daily-sales", "daily-sales", "csv", new { from = "2020-01-01", to = "2024-12-31" }),
        new("statement", "customer-statement", "csv", new { customerId = 42, from = "2020-01-01", to = "2025-12-31" }),
        new("orders-pdf", "orders", "pdf", new { from = "2024-06-01", to = "2024-06-03" }),
        new("orders-pdf-long", "orders", "pdf", new { from = "2023-01-01", to = "2024-12-31" }),
        new("orders-all-large", "orders", "csv", new { from = "2020-01-01", to = "2024-12-31" }),
    ];
}
