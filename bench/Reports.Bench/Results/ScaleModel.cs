using System.Globalization;
using System.Text.Json.Nodes;

namespace Reports.Bench.Results;

/// <summary>
/// Scenario 7: a back-of-the-envelope sizing for one million reports a day of a stated mix, from this run's CPU costs
/// (CPU-seconds per million CSV rows per tier, worker CPU per PDF page, CPU per tiny job). Written into the table's notes.
/// </summary>
internal static class ScaleModel
{
    private const double ReportsPerDay = 1_000_000, PeakFactor = 3, TargetUtilisation = 0.6, CoresPerMachine = 8;

    public static void Write(BenchReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var csv = report.Scenarios["csv_throughput"]?["figures"];
        var pdf = report.Scenarios["pdf"]?["figures"];
        var queue = report.Scenarios["queue"]?["figures"];
        if (csv is null || pdf is null || queue is null)
        {
            report.Notes.Add("**Scale model:** not computed (a scenario it needs did not run).");
            return;
        }

        var worker = Median(csv, "ours_cpu_s_per_m_rows_worker");
        var postgres = Median(csv, "ours_cpu_s_per_m_rows_postgres");
        var azurite = Median(csv, "ours_cpu_s_per_m_rows_azurite");
        var bytesPerRow = Median(csv, "ours_bytes") / (double)report.Scenarios["csv_throughput"]!["rows"]!.GetValue<long>();
        var pdfCorePerPage = 1 / Median(pdf, "ours_generation_pages_per_s");
        // CPU per tiny job in each tier, measured in the queue scenario with one worker (its cleanest split).
        var jobWorker = Median(queue, "cpu_ms_per_job_workers_1w") / 1000;
        var jobPostgres = Median(queue, "cpu_ms_per_job_postgres_1w") / 1000;
        var jobOther = (Median(queue, "cpu_ms_per_job_api_1w") + Median(queue, "cpu_ms_per_job_azurite_1w") + Median(queue, "cpu_ms_per_job_redis_1w")) / 1000;
        var cpuPerJob = jobWorker + jobPostgres + jobOther;

        // The mix: most reports are small; a few large CSVs carry most rows.
        (string Name, double Share, double Rows, double Pages)[] mix =
        [
            ("small CSV, 1,000 rows", 0.90, 1_000, 0),
            ("medium CSV, 100,000 rows", 0.09, 100_000, 0),
            ("PDF, 100 pages (~3,500 rows)", 0.009, 3_500, 100),
            ("large CSV, 2,000,000 rows", 0.001, 2_000_000, 0),
        ];
        var perSecond = ReportsPerDay / 86_400 * PeakFactor;
        var csvRowsPerSecond = mix.Where(k => k.Pages == 0).Sum(k => k.Share * k.Rows) * perSecond;
        var pagesPerSecond = mix.Sum(k => k.Share * k.Pages) * perSecond;
        var workerCores = ((csvRowsPerSecond / 1e6 * worker) + (pagesPerSecond * pdfCorePerPage) + (perSecond * jobWorker)) / TargetUtilisation;
        var postgresCores = ((csvRowsPerSecond / 1e6 * postgres) + (perSecond * jobPostgres)) / TargetUtilisation;
        var storageCores = ((csvRowsPerSecond / 1e6 * azurite) + (perSecond * jobOther)) / TargetUtilisation;
        var storageMBps = csvRowsPerSecond * bytesPerRow / 1e6;
        var c = CultureInfo.InvariantCulture;
        var text = $"""
            **Scale model (scenario 7).** One million reports a day, peak {PeakFactor}× the average ({perSecond.ToString("0", c)} reports/s): {string.Join("; ", mix.Select(k => $"{(k.Share * 100).ToString("0.#", c)}% {k.Name}"))}.
            That is {(csvRowsPerSecond / 1e3).ToString("N0", c)}k CSV rows/s, {pagesPerSecond.ToString("0", c)} PDF pages/s and {perSecond.ToString("0", c)} jobs/s at peak.
            With this run's costs ({worker.ToString("0.00", c)} worker, {postgres.ToString("0.00", c)} PostgreSQL and {azurite.ToString("0.00", c)} Azurite CPU-s per million CSV rows; {(pdfCorePerPage * 1000).ToString("0.0", c)} ms of worker CPU per PDF page; ~{(cpuPerJob * 1000).ToString("0", c)} ms of CPU per tiny job, all tiers together) at {TargetUtilisation * 100}% utilisation:
            workers ≈ {workerCores.ToString("0.0", c)} cores ({Math.Ceiling(workerCores / CoresPerMachine).ToString(c)} × {CoresPerMachine}-core machines), PostgreSQL ≈ {postgresCores.ToString("0.0", c)} cores of reads on one primary (or replicas), blob storage ≈ {storageMBps.ToString("0", c)} MB/s of writes ({storageCores.ToString("0.0", c)} cores of Azurite-equivalent, with the API and Redis; a managed account takes this without us).
            Redis carries {perSecond.ToString("0", c)} messages/s, far below its ~100k ops/s. The first bottleneck is the per-job fixed cost (accept, claim, completion: a few PostgreSQL round trips, and one blob call for a file of one block) for the many small reports and PostgreSQL's share of row reading for the large ones: PostgreSQL is the one tier that does not scale out by adding processes, so it is the first to need a bigger machine or read replicas for the `sales` data.
            """;
        report.Notes.Add(text);
        report.Scenarios["scale_model"] = new JsonObject
        {
            ["reportsPerSecondPeak"] = perSecond,
            ["csvRowsPerSecondPeak"] = csvRowsPerSecond,
            ["pdfPagesPerSecondPeak"] = pagesPerSecond,
            ["workerCores"] = workerCores,
            ["postgresCores"] = postgresCores,
            ["storageMBps"] = storageMBps,
        };
    }

    private static double Median(JsonNode figures, string name) => figures[name]?["median"]?.GetValue<double>() ?? double.NaN;
}
