using System.Globalization;
using System.Text.Json.Nodes;
using Reports.Bench.Harness;
using Reports.Bench.Results;
using Reports.Core.Catalog;
using Reports.Core.Catalog.Definitions;

namespace Reports.Bench.Scenarios;

/// <summary>
/// Scenario 4, with the number of workers of the running system, each kind of job through the full engine path (job and
/// outbox row → Redis stream → fenced claim under a lease → outcome recorded → acknowledged):
/// tiny reports over HTTP (a one-day CSV of a few rows, its block written to storage), and no-op jobs (no data, no file:
/// the engine's own cost) submitted in-process as a job library's client enqueues, and over HTTP.
/// </summary>
internal static class QueueScenario
{
    /// <summary>One day of one small country: a handful of rows, so the engine's own cost dominates.</summary>
    public static readonly object TinyReport = new { from = "2021-01-04", to = "2021-01-04", countries = new[] { "IE" } };

    /// <summary>
    /// No-op jobs of each warm-up batch: the submitting process (tiered compilation on, as a library's client has) was
    /// still compiling its hot path again at tier 1 through the first seconds of a batch measured after 200.
    /// </summary>
    private const int WarmUpNoOps = 2_000;

    private static readonly string[] Tiers = ["postgres", "azurite", "redis", "api", "apphost", "workers", "client"];

    /// <summary>The kinds of job measured: figure prefix, what the table calls it.</summary>
    private static readonly (string Prefix, string Title)[] Kinds =
    [
        ("", "tiny reports/s (HTTP)"),
        ("noop_", "no-op jobs/s (in-process submit)"),
        ("noop_http_", "no-op jobs/s (HTTP)"),
    ];

    public static async Task RunAsync(BenchSession session, Figures figures, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(figures);
        var settings = session.Settings;
        var workers = session.System.Workers;
        Console.WriteLine($"[bench] queue: {settings.QueueJobs:N0} tiny reports, {settings.NoOpJobs:N0} + {settings.QueueJobs:N0} no-op jobs " +
                          $"with {workers} worker(s), {settings.Runs} runs");
        for (var run = -1; run < settings.Runs; run++)
        {
            var warmUp = run < 0; // JIT, pools and plans warm, not measured
            await MeasureAsync(session, figures, "", warmUp ? 200 : settings.QueueJobs, warmUp,
                async () => await HttpSubmitter.CreateAsync(session, "orders", ReportFormats.Csv, TinyReport, cancellationToken), cancellationToken);
            await MeasureAsync(session, figures, "noop_", warmUp ? WarmUpNoOps : settings.NoOpJobs, warmUp,
                async () => await InProcessSubmitter.CreateAsync(session), cancellationToken);
            await MeasureAsync(session, figures, "noop_http_", warmUp ? WarmUpNoOps : settings.QueueJobs, warmUp,
                async () => await HttpSubmitter.CreateAsync(session, NoOpReport.Name, ReportFormats.None, new { }, cancellationToken), cancellationToken);
            if (!warmUp)
            {
                var floor = await StorageFloor.RunAsync(session, Math.Max(100, settings.QueueJobs / 3), cancellationToken);
                figures.Add(StorageFloorPutsKey, floor.PutsPerSecond);
                figures.Add(StorageFloorCpuKey, floor.AzuriteCpuMsPerPut);
            }

            await session.DeleteBlobsAsync(cancellationToken);
        }
    }

    private const string StorageFloorPutsKey = "storage_floor_puts_per_s";
    private const string StorageFloorCpuKey = "storage_floor_azurite_cpu_ms_per_put";

    /// <summary>The tiny reports a second issue 22 asks for with 4 workers: what the storage floor's share of the cores is reckoned at.</summary>
    private const double TinyReportsAsked = 400;

    /// <summary>Tiny reports per second with <paramref name="workers"/> worker processes.</summary>
    public static string Key(int workers) => Key("", "jobs_per_s", workers);

    /// <summary>No-op jobs per second, submitted in-process: the figure to set beside Hangfire's and BullMQ's no-op jobs.</summary>
    public static string NoOpKey(int workers) => Key("noop_", "jobs_per_s", workers);

    public static void Publish(BenchReport report, BenchSettings settings, Figures figures, JsonObject machineLoad)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(settings);
        report.Scenarios["queue"] = new JsonObject
        {
            ["jobs"] = settings.QueueJobs,
            ["noOpJobs"] = settings.NoOpJobs,
            ["tinyReport"] = "orders CSV, 2021-01-04, IE (HTTP)",
            ["noOpSubmission"] = "in-process: Reports.Core JobSubmission (job + outbox row in one statement, then XADD), 8 concurrent clients",
            ["figures"] = figures.ToJson(),
            ["machineLoad"] = machineLoad,
        };
        var scenario = $"4. Queue ({settings.QueueJobs:N0} tiny, {settings.NoOpJobs:N0} no-op)";
        foreach (var (prefix, title) in Kinds)
        {
            foreach (var workers in settings.QueueWorkers)
            {
                var cpu = string.Join(" / ", Tiers.Select(t => figures[Key(prefix, $"cpu_ms_per_job_{t}", workers)].Median.ToString("0.0", CultureInfo.InvariantCulture)));
                report.Row(scenario, $"{title}, {workers} worker process(es)", figures[Key(prefix, "jobs_per_s", workers)], 0,
                    $"submitted at {figures[Key(prefix, "submit_per_s", workers)].Format(0)}/s; CPU ms/job {string.Join(" / ", Tiers)}: {cpu}");
            }
        }

        var floorCpu = figures[StorageFloorCpuKey];
        report.Row(scenario, $"storage floor: Put Blob of {StorageFloor.FileBytes:N0} bytes, Azurite CPU ms per call", floorCpu, 2,
            $"the one call that writes a tiny report's file, from 8 clients doing nothing else ({figures[StorageFloorPutsKey].Median:N0} calls/s); " +
            $"at {TinyReportsAsked:N0} tiny reports/s Azurite alone needs {floorCpu.Median * TinyReportsAsked / 1000:0.00} of this machine's {Environment.ProcessorCount} cores");
        report.Ratio(StorageFloorCpuKey, floorCpu.Median);

        if (settings.QueueWorkers.Contains(4))
        {
            report.Ratio("queue_jobs_per_s_4w", figures[Key(4)].Median);
        }

        foreach (var workers in settings.QueueWorkers)
        {
            report.Ratio(NoOpKey(workers), figures[NoOpKey(workers)].Median);
        }
    }

    private static async Task MeasureAsync(
        BenchSession session, Figures figures, string prefix, int count, bool warmUp, Func<Task<IJobSubmitter>> submitter, CancellationToken cancellationToken)
    {
        await using var client = await submitter();
        Console.WriteLine($"[bench] queue: {(prefix.Length == 0 ? "tiny" : prefix.TrimEnd('_'))} batch of {count:N0}{(warmUp ? " (warm-up)" : "")}");
        var batch = await QueueBatch.RunAsync(session, client, count, cancellationToken);
        if (warmUp)
        {
            return;
        }

        var workers = session.System.Workers;
        figures.Add(Key(prefix, "jobs_per_s", workers), batch.JobsPerSecond);
        figures.Add(Key(prefix, "submit_per_s", workers), batch.SubmittedPerSecond);
        foreach (var tier in Tiers)
        {
            var cpu = tier == "workers"
                ? batch.CpuMsPerJob.Where(c => c.Key.StartsWith("worker", StringComparison.Ordinal)).Sum(c => c.Value)
                : batch.CpuMsPerJob[tier];
            figures.Add(Key(prefix, $"cpu_ms_per_job_{tier}", workers), cpu);
        }
    }

    private static string Key(string prefix, string figure, int workers) =>
        $"{prefix}{figure}_{workers.ToString(CultureInfo.InvariantCulture)}w";
}
