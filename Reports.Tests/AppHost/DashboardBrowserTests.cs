using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Reports.AppHost.Processes;
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
        await using var appHost = DashboardAppHost.Start(new Dictionary<string, string?>
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
    private sealed class DashboardAppHost : IAsyncDisposable
    {
        private readonly ChildProcess _process;

        private DashboardAppHost(ChildProcess process, string dataDirectory, int apiPort, int dashboardPort, ServerOutput output)
        {
            _process = process;
            DataDirectory = dataDirectory;
            ApiAddress = new(string.Create(CultureInfo.InvariantCulture, $"http://localhost:{apiPort}"));
            DashboardAddress = new(string.Create(CultureInfo.InvariantCulture, $"http://localhost:{dashboardPort}"));
            Output = output;
        }

        public string DataDirectory { get; }

        public Uri ApiAddress { get; }

        public Uri DashboardAddress { get; }

        public ServerOutput Output { get; }

        private int Pid => _process.Id;

        public static DashboardAppHost Start(IReadOnlyDictionary<string, string?> environment)
        {
            var folderName = "reports-apphost-dashboard-" + Guid.NewGuid().ToString("N")[..12];
            var apiPort = PortOutsideEphemeralRange();
            var dashboardPort = PortOutsideEphemeralRange(apiPort);
            var dll = ProjectPaths.AssemblyPath(ToolPaths.RepositoryRoot, "Reports.AppHost", ProjectPaths.ConfigurationOf(AppContext.BaseDirectory));
            ServerOutput output = new();
            var process = ChildProcess.Start(
                "dotnet",
                [
                    dll, "--workers", "1",
                    "--api-port", apiPort.ToString(CultureInfo.InvariantCulture),
                    "--dashboard-port", dashboardPort.ToString(CultureInfo.InvariantCulture),
                    "--data-dir", folderName,
                ],
                output.For("apphost"),
                workingDirectory: Path.GetTempPath(),
                environment: environment);
            return new DashboardAppHost(process, Path.Combine(Path.GetTempPath(), folderName), apiPort, dashboardPort, output);
        }

        /// <summary>
        /// A free loopback port below the kernel's ephemeral range: the AppHost picks its servers' ports from that range
        /// (bind to port 0) before the dashboard and the api listen, so a port from it could be handed out twice.
        /// </summary>
        private static int PortOutsideEphemeralRange(int except = 0)
        {
            var low = 32768;
            try
            {
                low = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
            {
                // Linux's default range.
            }

            for (var attempt = 0; attempt < 200; attempt++)
            {
                var port = Random.Shared.Next(Math.Max(1024, low - 12_000), low);
                if (port == except)
                {
                    continue;
                }

                try
                {
                    using var listener = new TcpListener(IPAddress.Loopback, port);
                    listener.Start();
                    return port;
                }
                catch (SocketException)
                {
                    // Taken: try another.
                }
            }

            return FreePort.Next();
        }

        public string? AdminKey()
        {
            try
            {
                var key = File.ReadAllText(Path.Combine(DataDirectory, "admin-key")).Trim();
                return key.Length == 0 ? null : key;
            }
            catch (IOException)
            {
                return null;
            }
        }

        public async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan deadline)
        {
            var until = DateTime.UtcNow + deadline;
            while (!await condition())
            {
                if (_process.HasExited)
                {
                    Assert.Fail($"The AppHost exited with code {await _process.Exited} before {what}.{Environment.NewLine}{Output}");
                }

                if (DateTime.UtcNow > until)
                {
                    Assert.Fail($"Timed out after {deadline} waiting until {what}.{Environment.NewLine}{Output}");
                }

                await Task.Delay(200);
            }
        }

        private int? PostmasterPid()
        {
            try
            {
                var first = File.ReadLines(Path.Combine(DataDirectory, "postgres", "data", "postmaster.pid")).FirstOrDefault();
                return int.TryParse(first, CultureInfo.InvariantCulture, out var pid) ? pid : null;
            }
            catch (IOException)
            {
                return null;
            }
        }

        public async ValueTask DisposeAsync()
        {
            var postmaster = PostmasterPid();
            var marked = ProcessTable.WithEnvironment(OrphanReaper.MarkerVariable, Pid.ToString(CultureInfo.InvariantCulture)).ToList();
            await _process.DisposeAsync(); // SIGTERM, then the whole process tree is killed after 10 s
            await OrphanReaper.ReapAsync(DataDirectory, Output.For("cleanup"), CancellationToken.None);
            foreach (var pid in marked.Append(postmaster ?? 0).Where(pid => pid > 0 && ProcessTable.IsAlive(pid)))
            {
                Signals.Send(pid, Signals.SigKill);
            }

            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Best effort: a temp folder left behind is harmless.
            }
        }
    }
}
