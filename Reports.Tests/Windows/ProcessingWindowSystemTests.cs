using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Reports.Tests.Integration;

namespace Reports.Tests.Windows;

/// <summary>
/// Processing windows end to end: an API and a worker of their own, on a database and a Redis database of their own, so
/// the worker's clock can be moved forward to the window's opening without touching any other test's jobs.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class ProcessingWindowSystemTests(Infrastructure infrastructure)
{
    private static readonly object Orders = new { type = "orders", parameters = new { from = "2024-01-01", to = "2024-01-02" } };

    [Fact]
    public async Task A_job_outside_its_window_waits_with_the_reason_and_starts_when_the_window_opens()
    {
        // A window of one hour that opens in three hours (UTC), for the orders report type.
        var now = DateTimeOffset.UtcNow;
        var opens = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero).AddHours(3);
        var window = string.Create(CultureInfo.InvariantCulture, $"{opens:HH:mm}-{opens.AddHours(1):HH:mm} UTC");
        var clock = new ShiftedClock();
        await using var system = await WindowedSystem.StartAsync(infrastructure, redisDatabase: 7, clock, ("orders", window));
        using var client = await ApiClients.NewUserAsync(system.Api);

        var id = (await ReportsClient.CreateAsync(client, Orders)).GetProperty("id").GetString()!;
        var waiting = await WaitForStatusAsync(client, id, "waiting");
        Assert.Equal(0, waiting.GetProperty("attempts").GetInt32());
        Assert.StartsWith($"processing window opens at {opens:yyyy-MM-dd'T'HH:mm:ss}+00:00",
            waiting.GetProperty("waiting").GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(opens, waiting.GetProperty("waiting").GetProperty("until").GetDateTimeOffset());

        clock.Shift(opens - DateTimeOffset.UtcNow + TimeSpan.FromMinutes(1)); // the worker's clock: a minute into the window
        var done = await ReportsClient.WaitForFinalAsync(client, id, TimeSpan.FromMinutes(1));
        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        Assert.Equal(1, done.GetProperty("attempts").GetInt32());
        Assert.Equal(JsonValueKind.Null, done.GetProperty("waiting").ValueKind);
    }

    [Fact]
    public async Task An_api_that_reads_the_windows_answers_waiting_at_create_and_the_job_starts_when_the_window_opens()
    {
        var now = DateTimeOffset.UtcNow;
        var opens = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero).AddHours(3);
        var window = string.Create(CultureInfo.InvariantCulture, $"{opens:HH:mm}-{opens.AddHours(1):HH:mm} UTC");
        var clock = new ShiftedClock();
        await using var system = await WindowedSystem.StartAsync(infrastructure, redisDatabase: 9, clock, apiWindows: true, ("reports", window));
        using var client = await ApiClients.NewUserAsync(system.Api);

        var created = await ReportsClient.CreateAsync(client, Orders);
        Assert.Equal("waiting", created.GetProperty("status").GetString());
        Assert.Equal(opens, created.GetProperty("waiting").GetProperty("until").GetDateTimeOffset());
        var id = created.GetProperty("id").GetString()!;

        clock.Shift(opens - DateTimeOffset.UtcNow + TimeSpan.FromMinutes(1));
        var done = await ReportsClient.WaitForFinalAsync(client, id, TimeSpan.FromMinutes(1));
        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        Assert.Equal(1, done.GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task A_job_inside_its_window_runs_at_once()
    {
        await using var system = await WindowedSystem.StartAsync(infrastructure, redisDatabase: 8, new ShiftedClock(), ("reports", "00:00-24:00 Europe/Berlin"));
        using var client = await ApiClients.NewUserAsync(system.Api);

        var id = (await ReportsClient.CreateAsync(client, Orders)).GetProperty("id").GetString()!;
        var done = await ReportsClient.WaitForFinalAsync(client, id, TimeSpan.FromMinutes(1));
        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        Assert.Equal(1, done.GetProperty("attempts").GetInt32());
    }

    private static async Task<JsonElement> GetAsync(HttpClient client, string id) =>
        JsonDocument.Parse(await client.GetStringAsync(new Uri($"/api/reports/{id}", UriKind.Relative))).RootElement;

    private static async Task<JsonElement> WaitForStatusAsync(HttpClient client, string id, string status)
    {
        JsonElement last = default;
        await Poll.UntilAsync(async () => (last = await GetAsync(client, id)).GetProperty("status").GetString() == status,
            $"report {id} is {status}", TimeSpan.FromMinutes(1));
        return last;
    }

    /// <summary>The system clock moved forward by a shift the test sets; timers keep real time.</summary>
    private sealed class ShiftedClock : TimeProvider
    {
        private long _shiftTicks;

        public void Shift(TimeSpan by) => Interlocked.Add(ref _shiftTicks, by.Ticks);

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _shiftTicks));
    }

    /// <summary>
    /// An API and a worker with windows, on a new job store and their own Redis database, reading the collection's demo
    /// data; the worker on the clock given.
    /// </summary>
    private sealed class WindowedSystem : IAsyncDisposable
    {
        private readonly WebApplicationFactory<Reports.Worker.WorkerOptions> _worker;

        private WindowedSystem(WebApplicationFactory<Reports.Api.ApiMarker> api, WebApplicationFactory<Reports.Worker.WorkerOptions> worker)
        {
            Api = api;
            _worker = worker;
        }

        public WebApplicationFactory<Reports.Api.ApiMarker> Api { get; }

        public static async Task<WindowedSystem> StartAsync(
            Infrastructure infrastructure, int redisDatabase, TimeProvider workerClock, params (string Name, string Hours)[] windows) =>
            await StartAsync(infrastructure, redisDatabase, workerClock, apiWindows: false, windows);

        public static async Task<WindowedSystem> StartAsync(
            Infrastructure infrastructure, int redisDatabase, TimeProvider workerClock, bool apiWindows, params (string Name, string Hours)[] windows)
        {
            await infrastructure.SystemAsync(); // the servers up
            var database = await IsolatedDatabase.CreateAsync(infrastructure);
            var redis = string.Create(CultureInfo.InvariantCulture, $"{infrastructure.RedisConnectionString},defaultDatabase={redisDatabase}");
            void Isolate(IWebHostBuilder b, string name)
            {
                TestSettings.Apply(b, infrastructure, name);
                b.UseSetting("ConnectionStrings:reportsdb", database);
                b.UseSetting("ConnectionStrings:sales", infrastructure.PostgresConnectionString); // the demo data: the collection's
                b.UseSetting("ConnectionStrings:redis", redis);
                b.UseSetting("Reports:Scheduler:Enabled", "false");
            }

            var api = new WebApplicationFactory<Reports.Api.ApiMarker>().WithWebHostBuilder(b =>
            {
                Isolate(b, "window-api");
                foreach (var (name, hours) in apiWindows ? windows : [])
                {
                    b.UseSetting($"Reports:Windows:{name}", hours);
                }
            });
            var worker = new WebApplicationFactory<Reports.Worker.WorkerOptions>().WithWebHostBuilder(b =>
            {
                Isolate(b, "window-worker-" + redisDatabase.ToString(CultureInfo.InvariantCulture));
                foreach (var (name, hours) in windows)
                {
                    b.UseSetting($"Reports:Windows:{name}", hours);
                }

                b.ConfigureServices(services => services.AddSingleton(workerClock));
            });
            _ = worker.Services; // starts the worker's hosted services
            _ = api.Services;
            return new WindowedSystem(api, worker);
        }

        public async ValueTask DisposeAsync()
        {
            await Api.DisposeAsync();
            await _worker.DisposeAsync();
        }
    }
}
