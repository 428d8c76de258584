using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Reports.LocalServers;
using Reports.Tests.Browser;
using Reports.Tests.Integration;

namespace Reports.Tests.AppHost;

/// <summary>
/// The built AppHost run as <c>./reports up</c> runs it: DCP and the real Aspire dashboard, settings given as
/// <c>Reports__…</c> variables reaching the services, one trace from the api through the queue into the worker seen in
/// the dashboard (driven by Chromium), and SIGTERM returning only when every process it started has exited.
/// </summary>
public sealed partial class AppHostProcessTests
{
    private const int SeededOrders = 5_000;

    [Fact]
    public async Task The_apphost_runs_the_dashboard_shows_a_trace_across_api_and_worker_and_sigterm_leaves_no_process()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "reports-apphost-" + Guid.NewGuid().ToString("N")[..10]);
        var apiPort = FreePort.Next();
        var output = new ConcurrentQueue<string>();
        var dll = ProjectPaths.AssemblyPath(ToolPaths.RepositoryRoot, "Reports.AppHost", ProjectPaths.ConfigurationOf(AppContext.BaseDirectory));
        var appHost = ChildProcess.Start("dotnet",
            [dll, "--processes", "--workers", "1", "--api-port", apiPort.ToString(CultureInfo.InvariantCulture), "--dashboard-port", "0", "--data-dir", dataDirectory],
            output.Enqueue,
            environment: new Dictionary<string, string?> { ["Reports__Dataset__Orders"] = SeededOrders.ToString(CultureInfo.InvariantCulture) });
        List<int> tree = [];
        IReadOnlyList<ResourceRecord> stopped = [];
        List<(string Name, UnixFileMode Mode)> secretModes = [];
        try
        {
            await Poll.UntilAsync(() => output.Any(line => LoginUrl().IsMatch(line)), "the AppHost prints the dashboard's login URL", TimeSpan.FromMinutes(2));
            var login = new Uri(LoginUrl().Match(output.First(line => LoginUrl().IsMatch(line))).Value);
            var resources = Path.Combine(dataDirectory, ResourcesFile.FileName);
            await Poll.UntilAsync(() => ResourcesFile.Read(resources) is var records
                && records.Any(r => r is { Name: "api", Health: "Healthy" }) && records.Any(r => r is { Name: "worker", Health: "Healthy" }),
                "the api and the worker are healthy", TimeSpan.FromMinutes(3));

            using var api = new HttpClient { BaseAddress = new Uri($"http://localhost:{apiPort}") };
            api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(Path.Combine(dataDirectory, "admin-key")).Trim());
            var id = (await ReportsClient.CreateAsync(api, new { type = "orders", format = "csv", parameters = new { from = "2021-01-01", to = "2025-12-31" } }))
                .GetProperty("id").GetString()!;
            var final = await ReportsClient.WaitForFinalAsync(api, id, TimeSpan.FromMinutes(2));
            Assert.True(final.GetProperty("status").GetString() == "succeeded", final.ToString());
            // Reports__Dataset__Orders, given to the AppHost, reached migrate: the dataset has that many orders, not the default 200,000.
            Assert.InRange(final.GetProperty("progress").GetProperty("rowsTotal").GetInt64(), 1, SeededOrders);

            var database = ResourcesFile.Read(resources).Single(r => r.Name == "reportsdb").ConnectionString!;
            await AssertTheDashboardShowsTheTraceAsync(login, await TraceIdAsync(database, id));

            tree = [.. ProcessTree.Descendants(appHost.Id)];
            Assert.True(tree.Count >= 8, $"DCP, the dashboard, the servers and the services run under the AppHost: {tree.Count}");
        }
        finally
        {
            Signals.Send(appHost.Id, Signals.SigTerm);
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            var code = await appHost.Exited.WaitAsync(deadline.Token);
            Assert.Equal(0, code);
            await appHost.DisposeAsync();
            stopped = ResourcesFile.Read(Path.Combine(dataDirectory, ResourcesFile.FileName));
            secretModes = [.. ((string[])[ResourcesFile.FileName, "admin-key", Path.Combine("postgres", "pw")])
                .Select(name => (name, File.GetUnixFileMode(Path.Combine(dataDirectory, name))))];
            TryDelete(dataDirectory);
        }

        // Written once every process had exited, not when Aspire's part stopped: nothing is left "Running", no pid.
        Assert.NotEmpty(stopped);
        Assert.All(stopped, r => Assert.True(r is { State: "Stopped", Pid: null }, $"{r.Name}: {r.State}, pid {r.Pid}"));
        Assert.All(secretModes, file => Assert.True(file.Mode == (UnixFileMode.UserRead | UnixFileMode.UserWrite), $"{file.Name}: {file.Mode}"));

        // A process may still be in its last moments as the AppHost returns (seen once under a heavy load): give it
        // seconds, never more, and name what is left.
        await Poll.UntilAsync(() => tree.All(pid => ProcessTree.Stat(pid) is null or { State: 'Z' }),
            $"every process under the AppHost has exited: left {string.Join(", ", tree.Where(pid => ProcessTree.Stat(pid) is { State: not 'Z' }).Select(Describe))}",
            TimeSpan.FromSeconds(20));
    }

    /// <summary>The trace the api started for the report, as the job row keeps it (W3C traceparent).</summary>
    private static async Task<string> TraceIdAsync(string connectionString, string id)
    {
        await using var database = Npgsql.NpgsqlDataSource.Create(connectionString);
        await using var command = database.CreateCommand("SELECT trace_parent FROM reports.jobs WHERE id = $1");
        command.Parameters.AddWithValue(Guid.Parse(id));
        var traceParent = (string)(await command.ExecuteScalarAsync())!;
        return traceParent.Split('-')[1];
    }

    /// <summary>The dashboard shows the request's trace with the spans of both services, down to the worker's pages.</summary>
    private static async Task AssertTheDashboardShowsTheTraceAsync(Uri login, string traceId)
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = BrowserSystem.ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--no-first-run"],
        });
        var page = await browser.NewPageAsync();
        await page.GotoAsync(login.ToString());
        var detail = new Uri(login, $"/traces/detail/{traceId}").ToString();
        var job = page.Locator("text=reports.job").First;
        var until = DateTime.UtcNow.AddMinutes(1);
        while (true)
        {
            // Telemetry reaches the dashboard in batches: load the trace again until the worker's spans are in it.
            await page.GotoAsync(detail);
            try
            {
                await job.WaitForAsync(new() { Timeout = 5_000 });
                break;
            }
            catch (TimeoutException) when (DateTime.UtcNow < until)
            {
            }
        }

        await SaveScreenshotAsync(page, "dashboard-trace.png");
        var text = await page.Locator("body").InnerTextAsync();
        Assert.Contains("api", text, StringComparison.Ordinal);
        Assert.Contains("worker", text, StringComparison.Ordinal);
        Assert.Contains("reports.page read", text, StringComparison.Ordinal);

        await page.GotoAsync(new Uri(login, "/").ToString());
        var resources = page.GetByRole(AriaRole.Region, new() { Name = "Resources" });
        await Assertions.Expect(resources).ToContainTextAsync("reportsdb", new() { Timeout = 30_000 });
        await Assertions.Expect(resources).ToContainTextAsync("worker");
        await SaveScreenshotAsync(page, "dashboard-resources.png");
    }

    /// <summary>With REPORTS_SCREENSHOTS=&lt;folder&gt; set, keeps what the test saw (the README's pictures in docs/).</summary>
    private static async Task SaveScreenshotAsync(IPage page, string name)
    {
        if (Environment.GetEnvironmentVariable("REPORTS_SCREENSHOTS") is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
            await page.SetViewportSizeAsync(1400, 900);
            await page.ScreenshotAsync(new() { Path = Path.Combine(folder, name) });
        }
    }

    private static string Describe(int pid)
    {
        try
        {
            return $"{pid} ({File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim()})";
        }
        catch (IOException)
        {
            return pid.ToString(CultureInfo.InvariantCulture);
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // PostgreSQL's files belong to the postgres user; a temp folder left behind is harmless.
        }
    }

    [GeneratedRegex(@"http://localhost:\d+/login\?t=[0-9a-f]+")]
    private static partial Regex LoginUrl();
}
