using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Reports.Tests.Browser;
using Reports.Tests.Integration;

namespace Reports.Tests.AppHost;

/// <summary>
/// The developer dashboard in a real browser (issue 8): the AppHost as <c>./reports up</c> runs it, a report made through
/// the API, then the dashboard shows every resource running, that report's trace as a waterfall spanning the api and the
/// worker, and a worker's console. Its own ports and data folder, so it runs beside the other collections.
/// </summary>
public sealed partial class DashboardBrowserTests
{
    // With a single replica the worker resource is named "worker" (worker-0, worker-1, … only when there are several).
    private static readonly string[] RunningResources = ["redis", "postgres", "storage", "api", "worker"];
    private static readonly TimeSpan PageTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_dashboard_shows_resources_running_a_report_trace_across_api_and_worker_and_a_worker_console()
    {
        await using var appHost = AppHostProcess.Start(1, new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Reports__Dataset__Orders"] = "20000",
        });
        using var api = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = appHost.ApiAddress, Timeout = TimeSpan.FromSeconds(30) };

        await appHost.UntilAsync(() => AnswersOkAsync(api, "/health"), "the api answers /health with 200", TimeSpan.FromMinutes(3));
        await appHost.UntilAsync(() => Task.FromResult(appHost.AdminKey() is not null), "the AppHost wrote its admin key", TimeSpan.FromMinutes(1));
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", appHost.AdminKey());
        await appHost.UntilAsync(() => AnswersOkAsync(api, "/api/admin/api-keys"), "the api accepts the admin key (registered in the background at start)", TimeSpan.FromMinutes(1));

        var userKey = await ApiClients.CreateKeyAsync(api, "dashboard-" + Guid.NewGuid().ToString("N")[..12]);
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", userKey);
        var created = await ReportsClient.CreateAsync(api, new
        {
            type = "orders",
            format = "csv",
            parameters = new { from = "2024-01-01", to = "2024-01-31" },
        });
        var done = await ReportsClient.WaitForFinalAsync(api, created.GetProperty("id").GetString()!, TimeSpan.FromMinutes(2));
        Assert.True(done.GetProperty("status").GetString() == "succeeded", done.ToString());

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = BrowserSystem.ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-gpu"],
        });
        var context = await browser.NewContextAsync(new()
        {
            BaseURL = appHost.DashboardAddress.ToString(),
            ViewportSize = new() { Width = 1280, Height = 900 },
            Locale = "en-GB",
            TimezoneId = "UTC",
        });
        context.SetDefaultTimeout((float)PageTimeout.TotalMilliseconds);
        var page = await context.NewPageAsync();
        var expectTimeout = new LocatorAssertionsToBeVisibleOptions { Timeout = (float)PageTimeout.TotalMilliseconds };

        try
        {
            // Resources: every server and project listed as running.
            await page.GotoAsync("/#resources");
            foreach (var name in RunningResources)
            {
                var row = page.Locator($"#resource-table tbody tr[data-name=\"{name}\"]");
                await Assertions.Expect(row.Locator("td.state-Running")).ToHaveTextAsync("Running", new() { Timeout = (float)PageTimeout.TotalMilliseconds });
            }

            // Traces: the report's trace lists both services; its waterfall has spans from the api and from the worker.
            await page.GotoAsync("/#traces");
            var trace = page.Locator("#trace-table tbody tr[data-trace]")
                .Filter(new() { Has = page.Locator("span.service-tag", new() { HasTextRegex = ExactlyApi() }) })
                .Filter(new() { Has = page.Locator("span.service-tag", new() { HasTextRegex = ExactlyWorker() }) })
                .First;
            await Assertions.Expect(trace).ToBeVisibleAsync(expectTimeout);
            await trace.ClickAsync();
            await Assertions.Expect(page.Locator("#trace")).ToHaveClassAsync(new Regex(@"\bactive\b"));
            var spans = page.Locator("#waterfall .span-row");
            await Assertions.Expect(spans.Filter(new() { Has = page.Locator(".span-name .service-tag", new() { HasTextRegex = ApiInstance() }) }).First)
                .ToBeVisibleAsync(expectTimeout);
            await Assertions.Expect(spans.Filter(new() { Has = page.Locator(".span-name .service-tag", new() { HasTextRegex = WorkerInstance() }) }).First)
                .ToBeVisibleAsync(expectTimeout);
            await Assertions.Expect(spans.Locator(".span-bar").First).ToBeVisibleAsync(expectTimeout);
            await Assertions.Expect(page.Locator("#trace-title .service-tag", new() { HasTextRegex = ExactlyApi() })).ToBeVisibleAsync(expectTimeout);
            await Assertions.Expect(page.Locator("#trace-title .service-tag", new() { HasTextRegex = ExactlyWorker() })).ToBeVisibleAsync(expectTimeout);

            // Console: the worker's output, line by line.
            await page.GotoAsync("/#console");
            await Assertions.Expect(page.Locator("#console")).ToHaveClassAsync(new Regex(@"\bactive\b"));
            await page.Locator("#console-resource").SelectOptionAsync("worker"); // waits for the option; routes to #console/worker
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("#console/worker$"));
            await Assertions.Expect(page.Locator("#console-resource")).ToHaveValueAsync("worker", new() { Timeout = (float)PageTimeout.TotalMilliseconds });
            await Assertions.Expect(page.Locator("#console-output")).ToHaveTextAsync(new Regex(@"\S.*\n.*\S"), new() { Timeout = (float)PageTimeout.TotalMilliseconds });
        }
        catch (Exception e) when (e is PlaywrightException or TimeoutException)
        {
            Assert.Fail($"{e.Message}{Environment.NewLine}{appHost.Output}");
        }
        finally
        {
            await context.CloseAsync();
        }
    }

    private static async Task<bool> AnswersOkAsync(HttpClient client, string path)
    {
        try
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false; // not listening yet
        }
    }

    [GeneratedRegex(@"^\s*api\s*$")]
    private static partial Regex ExactlyApi();

    [GeneratedRegex(@"^\s*worker\s*$")]
    private static partial Regex ExactlyWorker();

    [GeneratedRegex(@"^\s*api-\d+\s*$")]
    private static partial Regex ApiInstance();

    [GeneratedRegex(@"^\s*worker-\d+\s*$")]
    private static partial Regex WorkerInstance();

    /// <summary>
    /// The built AppHost as <see cref="AppHostProcess"/> starts it (one worker, a free API port, a throwaway data folder),
    /// with the dashboard on a free port too; disposing it stops it and kills whatever it left.
    /// </summary>
}
