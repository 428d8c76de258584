using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using Reports.Tests.Integration;
using static Microsoft.Playwright.Assertions;

namespace Reports.Tests.Browser;

[Collection(BrowserGroup.Name)]
public sealed class ReportsPageTests(BrowserSystem system)
{
    [Fact]
    public async Task A_user_requests_a_csv_and_a_pdf_from_the_form_watches_both_reach_100_percent_and_downloads_both()
    {
        var key = await system.NewUserKeyAsync();
        var page = await system.NewPageAsync();
        await SignIn.AsAsync(page, "/", key);

        var csv = await RequestAsync(page, "CSV");
        var pdf = await RequestAsync(page, "PDF");

        foreach (var card in new[] { csv, pdf })
        {
            await Expect(card.Locator(".badge")).ToHaveTextAsync("succeeded", new() { Timeout = 90_000 });
            await Expect(card.Locator("progress")).ToHaveJSPropertyAsync("value", 100);
            await Expect(card.Locator(".percent")).ToHaveTextAsync("100 %");
            await Expect(card.Locator("[data-fact=size] dd")).Not.ToHaveTextAsync("–");
        }

        using var client = system.Api.CreateClient(key);
        var csvBytes = await DownloadAsync(page, csv, ".csv", client);
        var csvStatus = await StatusAsync(client, csv);
        var rows = Csv.Parse(new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(csvBytes));
        Assert.Equal(["order_id", "ordered_at_utc", "customer", "country", "status", "items", "currency", "amount"], rows[0]);
        Assert.Equal(csvStatus.GetProperty("progress").GetProperty("rowsWritten").GetInt64(), rows.Count - 1);
        Assert.True(rows.Count > 100, $"the report should hold the quarter's orders; it has {rows.Count - 1} rows");
        await Expect(csv.Locator("[data-fact=rows] dd")).ToContainTextAsync((rows.Count - 1).ToString("#,##0", System.Globalization.CultureInfo.InvariantCulture));

        var pdfBytes = await DownloadAsync(page, pdf, ".pdf", client);
        Assert.Equal("%PDF-", Encoding.ASCII.GetString(pdfBytes, 0, 5));
    }

    [Fact]
    public async Task A_validation_error_from_the_api_shows_next_to_its_field()
    {
        var page = await system.NewPageAsync();
        await SignIn.AsAsync(page, "/", await system.NewUserKeyAsync());
        await page.GetByLabel("Report", new() { Exact = true }).SelectOptionAsync("orders");
        await page.GetByLabel("From").FillAsync("2000-01-01");
        await page.GetByLabel(new System.Text.RegularExpressions.Regex("^To\\b")).FillAsync("2025-12-31");
        await page.GetByLabel("Countries").FillAsync("germany");

        await page.GetByRole(AriaRole.Button, new() { Name = "Request report" }).ClickAsync();

        var to = page.Locator("#param-to");
        await Expect(to).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.Locator("#param-to-error")).ToContainTextAsync("at most");
        await Expect(page.Locator("#param-countries-error")).ToContainTextAsync("does not match");
        await Expect(to).ToHaveAccessibleDescriptionAsync(new System.Text.RegularExpressions.Regex("at most"));
        await Expect(page.Locator("#param-from-error")).ToBeHiddenAsync();
        await Expect(page.Locator("#report-list .report")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_queued_report_is_cancelled_from_its_card_and_can_be_run_again()
    {
        var page = await system.NewPageAsync();
        await SignIn.AsAsync(page, "/", await system.NewUserKeyAsync());
        await system.StopWorkerAsync();
        try
        {
            var card = await RequestAsync(page, "CSV");
            await Expect(card.Locator(".badge")).ToHaveTextAsync("queued");

            await card.GetByRole(AriaRole.Button, new() { NameRegex = new("^Cancel ") }).ClickAsync();

            await Expect(card.Locator(".badge")).ToHaveTextAsync("cancelled");
            await Expect(card.GetByRole(AriaRole.Button, new() { NameRegex = new("^Cancel ") })).ToHaveCountAsync(0);
            await card.GetByRole(AriaRole.Button, new() { NameRegex = new("^Run .* again$") }).ClickAsync();
            await Expect(page.Locator("#report-list .report")).ToHaveCountAsync(2);
            await Expect(page.Locator("#report-list .report").First.Locator(".badge")).ToHaveTextAsync("queued");
        }
        finally
        {
            await system.StartWorkerAsync();
        }
    }

    /// <summary>Fills the generated form for a quarter of orders in <paramref name="format"/>, submits, returns the new card.</summary>
    private static async Task<ILocator> RequestAsync(IPage page, string format)
    {
        await page.GetByLabel("Report", new() { Exact = true }).SelectOptionAsync("orders");
        await page.GetByRole(AriaRole.Radio, new() { Name = format }).CheckAsync();
        await page.GetByLabel("From").FillAsync("2024-01-01");
        await page.GetByLabel(new System.Text.RegularExpressions.Regex("^To\\b")).FillAsync("2024-03-31");
        var before = await page.Locator("#report-list .report").CountAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Request report" }).ClickAsync();
        await Expect(page.Locator("#report-list .report")).ToHaveCountAsync(before + 1);
        var id = await page.Locator("#report-list .report").First.GetAttributeAsync("data-report-id");
        return page.Locator($"#report-list [data-report-id='{id}']");
    }

    private static async Task<JsonElement> StatusAsync(HttpClient client, ILocator card)
    {
        var id = await card.GetAttributeAsync("data-report-id");
        using var response = await client.GetAsync(new Uri($"/api/reports/{id}", UriKind.Relative));
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>Clicks the card's Download button, saves what the browser downloads, checks it against the status resource.</summary>
    private static async Task<byte[]> DownloadAsync(IPage page, ILocator card, string extension, HttpClient client)
    {
        var download = await page.RunAndWaitForDownloadAsync(() =>
            card.GetByRole(AriaRole.Button, new() { NameRegex = new("^Download ") }).ClickAsync());
        Assert.Null(await download.FailureAsync());
        Assert.EndsWith(extension, download.SuggestedFilename, StringComparison.Ordinal);
        var path = Path.Combine(Path.GetTempPath(), "reports-download-" + Guid.NewGuid().ToString("N"));
        await download.SaveAsAsync(path);
        try
        {
            var bytes = await File.ReadAllBytesAsync(path);
            var file = (await StatusAsync(client, card)).GetProperty("file");
            Assert.Equal(file.GetProperty("sizeBytes").GetInt64(), bytes.LongLength);
            Assert.Equal(file.GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(bytes)));
            return bytes;
        }
        finally
        {
            File.Delete(path);
        }
    }
}
