using System.Diagnostics;
using System.Text.Json.Nodes;
using Reports.Bench.Harness;
using Reports.Bench.Measurement;
using Reports.Bench.Results;

namespace Reports.Bench.Scenarios;

/// <summary>
/// Scenario 5: latency of <c>GET /api/reports/{id}</c> and of creating (tiny) reports under a fixed open-loop load from
/// this process on loopback, first with the system idle, then while four large CSVs run on the workers.
/// </summary>
internal static class ApiLoadScenario
{
    private const double GetRate = 200, CreateRate = 20;
    private const int MaxInFlight = 64;

    public static async Task RunAsync(BenchSession session, CancellationToken cancellationToken)
    {
        var settings = session.Settings;
        var (to, rows) = await SalesData.RangeForAsync(session.Sales, settings.LoadReportRows, cancellationToken);
        Console.WriteLine($"[bench] api: {GetRate} GET/s + {CreateRate} POST/s for {settings.LoadDuration.TotalSeconds} s, idle vs 4 × {rows:N0}-row CSVs");
        var target = await session.Api.CreateAsync("orders", "csv", QueueScenario.TinyReport, cancellationToken);
        await session.Api.WaitAsync(target, settings.ReportTimeout, cancellationToken);
        var figures = new Figures();
        var machine = new JsonObject();
        await LoadAsync(session, target, TimeSpan.FromSeconds(2), cancellationToken); // warm-up
        await WaitIdleAsync(session, cancellationToken);

        for (var run = 0; run < settings.Runs; run++)
        {
            var idleLoad = new MachineLoad();
            var (gets, creates) = await LoadAsync(session, target, settings.LoadDuration, cancellationToken);
            Record(figures, "idle", gets, creates);
            machine[$"idle_{run}"] = idleLoad.Stop();
            await WaitIdleAsync(session, cancellationToken);

            var large = new List<Guid>();
            for (var i = 0; i < 4; i++)
            {
                large.Add(await session.Api.CreateAsync("orders", "csv", SalesData.OrdersParameters(to), cancellationToken));
            }

            await WaitRunningAsync(session, large, cancellationToken);
            var busyLoad = new MachineLoad();
            (gets, creates) = await LoadAsync(session, target, settings.LoadDuration, cancellationToken);
            var stillRunning = 0;
            foreach (var id in large)
            {
                stillRunning += (await session.Api.GetAsync(id, cancellationToken)).GetProperty("status").GetString() == "running" ? 1 : 0;
            }

            Record(figures, "load", gets, creates);
            figures.Add("large_reports_still_running_at_end", stillRunning);
            machine[$"load_{run}"] = busyLoad.Stop();
            foreach (var id in large)
            {
                await session.Api.WaitAsync(id, settings.ReportTimeout, cancellationToken);
            }

            await WaitIdleAsync(session, cancellationToken);
            await session.DeleteBlobsAsync(cancellationToken);
        }

        var report = session.Report;
        report.Scenarios["api_load"] = new JsonObject
        {
            ["getPerSecond"] = GetRate,
            ["createPerSecond"] = CreateRate,
            ["seconds"] = settings.LoadDuration.TotalSeconds,
            ["largeReportRows"] = rows,
            ["figures"] = figures.ToJson(),
            ["machineLoad"] = machine,
        };
        const string scenario = "5. API latency (ms)";
        report.Row(scenario, "GET /api/reports/{id} p50: idle / under load", figures["get_p50_idle"], 1, "under load: " + figures["get_p50_load"].Format(1));
        report.Row(scenario, "GET /api/reports/{id} p99: idle", figures["get_p99_idle"], 1);
        report.Row(scenario, "GET /api/reports/{id} p99: 4 large CSVs running", figures["get_p99_load"], 1);
        report.Row(scenario, "POST /api/reports p50: idle / under load", figures["create_p50_idle"], 1, "under load: " + figures["create_p50_load"].Format(1));
        report.Row(scenario, "POST /api/reports p99: idle", figures["create_p99_idle"], 1);
        report.Row(scenario, "POST /api/reports p99: 4 large CSVs running", figures["create_p99_load"], 1);
        report.Row(scenario, "throughput GET + POST (req/s): idle / load", figures["rps_idle"], 0, "under load: " + figures["rps_load"].Format(0));
        var ratio = figures["get_p99_load"].Median / figures["get_p99_idle"].Median;
        report.Rows.Add(new TableRow(scenario, "**api_p99_load_vs_idle** (GET)", ratio.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), "target ≤ 2"));
        report.Ratio("api_p99_load_vs_idle", ratio);
        report.Ratio("api_create_p99_load_vs_idle", figures["create_p99_load"].Median / figures["create_p99_idle"].Median);
    }

    private static void Record(Figures figures, string phase, LoadResult gets, LoadResult creates)
    {
        figures.Add($"get_p50_{phase}", gets.P50);
        figures.Add($"get_p99_{phase}", gets.P99);
        figures.Add($"create_p50_{phase}", creates.P50);
        figures.Add($"create_p99_{phase}", creates.P99);
        figures.Add($"rps_{phase}", gets.RequestsPerSecond + creates.RequestsPerSecond);
        figures.Add($"failures_{phase}", gets.Failures + creates.Failures);
    }

    private static async Task<(LoadResult Gets, LoadResult Creates)> LoadAsync(BenchSession session, Guid target, TimeSpan duration, CancellationToken cancellationToken)
    {
        var gets = OpenLoopLoad.RunAsync(GetRate, duration, MaxInFlight, async ct => await session.Api.GetAsync(target, ct), cancellationToken);
        var creates = OpenLoopLoad.RunAsync(CreateRate, duration, MaxInFlight,
            async ct => await session.Api.CreateAsync("orders", "csv", QueueScenario.TinyReport, ct), cancellationToken);
        return (await gets, await creates);
    }

    /// <summary>Waits until no job is queued or running, so the idle phase is idle.</summary>
    private static async Task WaitIdleAsync(BenchSession session, CancellationToken cancellationToken)
    {
        await using var active = session.Database.CreateCommand("SELECT count(*) FROM reports.jobs WHERE status IN ('queued', 'running', 'retrying')");
        var deadline = Stopwatch.StartNew();
        while ((long)(await active.ExecuteScalarAsync(cancellationToken))! > 0 && deadline.Elapsed < session.Settings.ReportTimeout)
        {
            await Task.Delay(200, cancellationToken);
        }
    }

    private static async Task WaitRunningAsync(BenchSession session, List<Guid> ids, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromMinutes(2))
        {
            var running = 0;
            foreach (var id in ids)
            {
                running += (await session.Api.GetAsync(id, cancellationToken)).GetProperty("status").GetString() == "running" ? 1 : 0;
            }

            if (running == ids.Count)
            {
                return;
            }

            await Task.Delay(100, cancellationToken);
        }
    }
}
