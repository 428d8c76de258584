using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using Npgsql;
using Reports.Core.Dataset;
using Reports.Core.Storage;
using Reports.Tests.Integration;

namespace Reports.Tests.Browser;

/// <summary>
/// The real system for a real browser: redis-server, PostgreSQL and Azurite, the built API on a loopback port and a
/// worker process, all of its own (no in-process worker competes for the jobs), and the system's Chromium driven by
/// Playwright (never a downloaded browser).
/// </summary>
public sealed class BrowserSystem : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";
    public const string WorkerId = "browser-worker";

    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private ApiProcess? _api;
    private WorkerProcess? _worker;

    public Infrastructure Infrastructure { get; } = new();

    public ApiProcess Api => _api ?? throw new InvalidOperationException("The system has not started.");

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("The browser has not started.");

    public async Task InitializeAsync()
    {
        await Infrastructure.InitializeAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using (var dataSource = NpgsqlDataSource.Create(Infrastructure.PostgresConnectionString))
        {
            using var logs = LoggerFactory.Create(_ => { });
            await new Migrator(dataSource, logs.CreateLogger<Migrator>()).MigrateAsync(timeout.Token);
            await new SalesDataset(dataSource, logs.CreateLogger<SalesDataset>())
                .EnsureAsync(ReportsSystem.Orders, SalesDataset.DefaultSeed, timeout.Token);
        }

        _api = await ApiProcess.StartAsync(Infrastructure, timeout.Token);
        await StartWorkerAsync();
        Assertions.SetDefaultExpectTimeout(30_000);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-gpu"],
        });
    }

    /// <summary>A new browser profile (no session storage shared with other tests) at laptop or phone size.</summary>
    public async Task<IPage> NewPageAsync(bool phone = false)
    {
        var context = await Browser.NewContextAsync(new()
        {
            BaseURL = Api.BaseAddress.ToString(),
            AcceptDownloads = true,
            ViewportSize = phone ? new() { Width = 390, Height = 844 } : new() { Width = 1280, Height = 900 },
            DeviceScaleFactor = phone ? 2 : 1,
            IsMobile = phone,
            HasTouch = phone,
            Locale = "en-GB",
            TimezoneId = "UTC",
        });
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    /// <summary>A new user key: an owner of its own, so a test sees only the reports it made.</summary>
    public async Task<string> NewUserKeyAsync()
    {
        using var admin = Api.CreateClient(TestSettings.AdminKey);
        return await ApiClients.CreateKeyAsync(admin, "browser-" + Guid.NewGuid().ToString("N")[..12]);
    }

    /// <summary>Runs the worker process; <paramref name="settings"/> adds to (or overrides) the test settings.</summary>
    public async Task StartWorkerAsync(IReadOnlyDictionary<string, string>? settings = null)
    {
        await StopWorkerAsync();
        var all = ProcessSettings.For(Infrastructure);
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }

        _worker = await WorkerProcess.StartAsync(Infrastructure, WorkerId, all);
    }

    /// <summary>Stops the worker (SIGTERM: it releases its jobs), so reports stay queued.</summary>
    public async Task StopWorkerAsync()
    {
        if (_worker is { } worker)
        {
            _worker = null;
            await worker.StopAsync();
            await worker.DisposeAsync();
        }
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        await StopWorkerAsync();
        if (_api is not null)
        {
            await _api.DisposeAsync();
        }

        await Infrastructure.DisposeAsync();
    }
}
