using Reports.Tests.Catalog;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Reports.Core.Generation;
using Reports.Core.Generation.Xlsx;
using Reports.Tests.Generation;
using Reports.Tests.Integration;

namespace Reports.Tests.ReportTypes;

[Collection(IntegrationGroup.Name)]
public sealed class XlsxReportTests(Infrastructure infrastructure)
{
    private static readonly string[] OrdersFormats = ["0", "yyyy-mm-dd hh:mm:ss", "General", "General", "General", "#,##0", "General", "#,##0.00"];

    [Fact]
    public async Task The_orders_xlsx_has_typed_cells_equal_to_the_database_under_a_bold_frozen_filtered_header_and_totals_per_currency()
    {
        var run = await RunAsync(new { type = "orders", format = "xlsx", parameters = new { from = "2024-01-01", to = "2024-12-31", status = "completed" } });
        var expected = await SqlRows.ReadAsync(infrastructure.PostgresConnectionString,
            OrdersReportTests.OrdersSql.Replace("ORDER BY", "AND o.status = 'completed'\nORDER BY", StringComparison.Ordinal), SqlRows.Utc(2024, 1, 1), SqlRows.Utc(2025, 1, 1));
        var book = XlsxBook.Read(run.Bytes, 8);

        Assert.Equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", run.ContentType);
        Assert.EndsWith(".xlsx", run.FileName, StringComparison.Ordinal);
        var sheet = Assert.Single(book.Sheets);
        Assert.Equal("Orders", sheet.Name);
        Assert.True(sheet.HeaderFrozen, "row 1 should be frozen");
        Assert.Equal(["Order", "Date (UTC)", "Customer", "Country", "Status", "Items", "Currency", "Amount"], sheet.Rows[1].Select(c => c!.Text));
        Assert.All(sheet.Rows[1], c => Assert.True(c!.Bold, "the header is bold"));
        Assert.Equal($"A1:H{expected.Count + 1}", sheet.AutoFilter);
        Assert.Equal(8, sheet.Widths.Count);
        Assert.True(sheet.Widths[2] > sheet.Widths[3], "the customer column is wider than the country's, as the definition says");

        AssertRows(expected, book.DataRows, OrdersFormats);
        // Text that looks like a formula is stored as text: nothing in the file is a formula.
        Assert.Contains(book.DataRows, r => r[2]!.Text.StartsWith('=') && r[2]!.Type == "inlineStr");
        Assert.Equal(-1, Entries(run.Bytes).AsSpan().IndexOf("<f>"u8));

        // Totals per currency, bold, after an empty row and outside the filter.
        var totals = await SqlRows.ReadAsync(infrastructure.PostgresConnectionString, """
            SELECT currency::text, count(*), sum(items), sum(amount) FROM sales.orders
            WHERE ordered_at >= $1 AND ordered_at < $2 AND status = 'completed' GROUP BY 1 ORDER BY 1
            """, SqlRows.Utc(2024, 1, 1), SqlRows.Utc(2025, 1, 1));
        var printed = sheet.Rows.Where(r => r.Key > expected.Count + 1).Select(r => r.Value).ToList();
        Assert.False(sheet.Rows.ContainsKey(expected.Count + 2), "an empty row before the totals");
        Assert.Equal(totals.Count, printed.Count);
        for (var i = 0; i < totals.Count; i++)
        {
            Assert.Equal("Total", printed[i][0]!.Text);
            Assert.Equal($"{totals[i][1]} orders", printed[i][2]!.Text);
            XlsxBook.AssertCell(totals[i][2], printed[i][5], "#,##0");
            Assert.Equal(totals[i][0], printed[i][6]!.Text);
            XlsxBook.AssertCell(totals[i][3], printed[i][7], "#,##0.00");
            Assert.All(printed[i].Where(c => c is not null), c => Assert.True(c!.Bold, "totals are bold"));
        }

        // The document properties: title, parameters, and the job's creation time.
        Assert.Equal("Orders", book.Title);
        Assert.Contains("from 2024-01-01", book.Description, StringComparison.Ordinal);
        Assert.Contains("status completed", book.Description, StringComparison.Ordinal);
        var created = run.Status.GetProperty("createdAt").GetDateTimeOffset().UtcDateTime;
        Assert.Equal(created.AddTicks(-(created.Ticks % TimeSpan.TicksPerSecond)), book.Created!.Value.ToUniversalTime());
    }

    [Fact]
    public async Task The_daily_sales_xlsx_equals_the_database_with_real_date_cells()
    {
        var run = await RunAsync(new { type = "daily-sales", format = "xlsx", parameters = new { from = "2022-01-01", to = "2025-12-31" } });
        var expected = await SqlRows.ReadAsync(infrastructure.PostgresConnectionString, DailySalesReportTests.DailySql, SqlRows.Utc(2022, 1, 1), SqlRows.Utc(2026, 1, 1));
        var book = XlsxBook.Read(run.Bytes, 6);

        Assert.True(expected.Count > ReportsSystem.PageSize, "the report should span several keyset pages");
        AssertRows(expected, book.DataRows, ["yyyy-mm-dd", "General", "#,##0", "#,##0", "#,##0.00", "#,##0.00"]);
        Assert.Equal("Daily sales by country", book.Title);
    }

    [Fact]
    public async Task The_customer_statement_xlsx_equals_the_orders_with_charges_and_running_balance()
    {
        var customer = await CustomerStatementReportTests.BusiestCustomerAsync(infrastructure);
        var run = await RunAsync(new { type = "customer-statement", format = "xlsx", parameters = new { customerId = customer } });
        var book = XlsxBook.Read(run.Bytes, 8);

        AssertRows(await StatementRows.ExpectedAsync(infrastructure, customer), book.DataRows,
            ["0", "yyyy-mm-dd hh:mm:ss", "General", "#,##0", "General", "#,##0.00", "#,##0.00", "#,##0.00"]);
        Assert.StartsWith($"Customer {customer}: ", book.Subject, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_report_over_the_rows_a_sheet_holds_continues_on_the_next_sheets_with_the_header_repeated()
    {
        const int perSheet = 1_000;
        var file = await GenerateAsync(perSheet, attempt: 1);
        var book = XlsxBook.Read(await ReadAsync(file), 8);
        var expected = await SqlRows.ReadAsync(infrastructure.PostgresConnectionString, OrdersReportTests.OrdersSql, SqlRows.Utc(2024, 1, 1), SqlRows.Utc(2025, 1, 1));

        var sheets = (int)Math.Ceiling(expected.Count / (double)(perSheet - 1));
        Assert.True(sheets >= 3, $"the test needs several sheets, got {sheets}");
        Assert.Equal(sheets, book.Sheets.Count);
        Assert.Equal(["Orders", .. Enumerable.Range(2, sheets - 1).Select(n => $"Orders ({n})")], book.Sheets.Select(s => s.Name));
        foreach (var sheet in book.Sheets)
        {
            Assert.Equal("Order", sheet.Rows[1][0]!.Text);
            Assert.True(sheet.HeaderFrozen);
            Assert.True(sheet.Rows.Keys.Max() <= perSheet, $"{sheet.Name} has {sheet.Rows.Keys.Max()} rows");
        }

        Assert.All(book.Sheets.SkipLast(1), s => Assert.Equal($"A1:H{perSheet}", s.AutoFilter));
        AssertRows(expected, book.DataRows, OrdersFormats);
        Assert.Equal(expected.Count, file.Rows);
    }

    [Fact]
    public async Task Every_attempt_of_a_job_writes_the_same_bytes()
    {
        var first = await GenerateAsync(XlsxOptions.ExcelMaxRows, attempt: 1);
        var second = await GenerateAsync(XlsxOptions.ExcelMaxRows, attempt: 2);

        Assert.Equal(first.Sha256, second.Sha256);
        Assert.Equal(first.Sha256, Convert.ToHexStringLower(SHA256.HashData(await ReadAsync(second))));
    }

    private static void AssertRows(List<object[]> expected, List<XlsxCell?[]> rows, string[] formats)
    {
        Assert.Equal(expected.Count, rows.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            for (var c = 0; c < formats.Length; c++)
            {
                XlsxBook.AssertCell(expected[i][c], rows[i][c], formats[c]);
            }
        }
    }

    /// <summary>The orders of 2024 as an XLSX, by the generator itself (the same job id and creation time every call).</summary>
    private async Task<Reports.Core.Jobs.ReportFile> GenerateAsync(int maxRowsPerSheet, int attempt)
    {
        var system = await infrastructure.SystemAsync();
        var services = system.WorkerServices;
        var generator = new XlsxReportGenerator(
            services.GetRequiredService<Reports.Core.Sources.SourceConnections>(),
            services.GetRequiredService<IReportFiles>(),
            new BlockBuffers(ReportsSystem.BlockSizeBytes),
            Options.Create(new GenerationOptions { PageSize = ReportsSystem.PageSize, BlockSizeBytes = ReportsSystem.BlockSizeBytes }),
            Options.Create(new XlsxOptions { MaxRowsPerSheet = maxRowsPerSheet }));
        var request = GenerationRequests.For(BuiltInReports.Orders, "xlsx") with { Attempt = attempt };
        request = request with { BlobName = $"xlsx-test-{maxRowsPerSheet}-{attempt}-{Guid.NewGuid():N}.xlsx" };
        return await generator.GenerateAsync(request, new RecordingProgress(), CancellationToken.None);
    }

    private async Task<byte[]> ReadAsync(Reports.Core.Jobs.ReportFile file)
    {
        var system = await infrastructure.SystemAsync();
        await using var stream = await system.WorkerServices.GetRequiredService<IReportFiles>().OpenReadAsync(file.BlobName, CancellationToken.None);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    /// <summary>Every entry of the zip, inflated and concatenated.</summary>
    private static byte[] Entries(byte[] xlsx)
    {
        using var zip = new System.IO.Compression.ZipArchive(new MemoryStream(xlsx));
        using var all = new MemoryStream();
        foreach (var entry in zip.Entries)
        {
            using var stream = entry.Open();
            stream.CopyTo(all);
        }

        return all.ToArray();
    }

    private async Task<ReportRun> RunAsync(object request)
    {
        var system = await infrastructure.SystemAsync();
        using var client = await system.CreateClientAsync();
        return await ReportRun.RunAsync(client, request);
    }
}
