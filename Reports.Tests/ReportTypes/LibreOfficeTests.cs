using System.Globalization;
using Reports.Tests.Integration;

namespace Reports.Tests.ReportTypes;

/// <summary>The XLSX files open in LibreOffice Calc with numbers as numbers, dates as dates and text as text.</summary>
[Collection(IntegrationGroup.Name)]
public sealed class LibreOfficeTests(Infrastructure infrastructure)
{
    [Fact]
    public async Task Calc_shows_the_orders_numbers_in_their_formats_times_as_dates_and_formula_like_text_as_text()
    {
        var run = await RunAsync(new { type = "orders", format = "xlsx", parameters = new { from = "2024-11-01", to = "2024-12-31" } });
        var expected = await SqlRows.ReadAsync(infrastructure.PostgresConnectionString, OrdersReportTests.OrdersSql, SqlRows.Utc(2024, 11, 1), SqlRows.Utc(2025, 1, 1));

        var shown = await LibreOfficeCalc.AsShownAsync(run.Bytes);

        Assert.Equal(["Order", "Date (UTC)", "Customer", "Country", "Status", "Items", "Currency", "Amount"], shown[0]);
        Assert.True(expected.Count > 100, "the test needs rows");
        for (var i = 0; i < expected.Count; i++)
        {
            var row = shown[i + 1];
            Assert.Equal(((long)expected[i][0]).ToString(CultureInfo.InvariantCulture), row[0]);
            // A number typed as text would show as stored ("1234.50"); Calc shows the column's format ("1,234.50").
            Assert.Equal(((decimal)expected[i][7]).ToString("#,##0.00", CultureInfo.InvariantCulture), row[7]);
            Assert.Equal(((int)expected[i][5]).ToString("#,##0", CultureInfo.InvariantCulture), row[5]);
            // A date serial shows as a date and time only if Calc took it for one.
            var time = DateTime.ParseExact(row[1], "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
            Assert.True(Math.Abs((time - (DateTime)expected[i][1]).TotalSeconds) <= 1, $"{row[1]} is not {expected[i][1]:O}");
            Assert.Equal((string)expected[i][2], row[2]);
        }

        Assert.Contains(shown.Skip(1), r => r[2].StartsWith('='));
    }

    [Fact]
    public async Task Calc_shows_the_daily_sales_days_as_dates()
    {
        var run = await RunAsync(new { type = "daily-sales", format = "xlsx", parameters = new { from = "2024-12-01", to = "2024-12-31", countries = new[] { "DE" } } });

        var shown = await LibreOfficeCalc.AsShownAsync(run.Bytes);

        Assert.Equal(["Day (UTC)", "Country", "Orders", "Items", "Revenue (EUR)", "Avg order (EUR)"], shown[0]);
        var days = shown.Skip(1).TakeWhile(r => r[0].Length > 0).Select(r => DateOnly.ParseExact(r[0], "yyyy-MM-dd", CultureInfo.InvariantCulture)).ToList();
        Assert.True(days.Count > 20, $"December should have most of its days, got {days.Count}");
        Assert.All(days, d => Assert.Equal(12, d.Month));
        Assert.Equal("Total", shown[^1][0]);
    }

    private async Task<ReportRun> RunAsync(object request)
    {
        var system = await infrastructure.SystemAsync();
        using var client = await system.CreateClientAsync();
        return await ReportRun.RunAsync(client, request);
    }
}
