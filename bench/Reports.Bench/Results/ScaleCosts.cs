using System.Text.Json.Nodes;

namespace Reports.Bench.Results;

/// <summary>
/// What one benchmark run measured that the scale model needs: CPU per million CSV rows per tier, bytes per CSV row,
/// worker CPU per PDF page, CPU per tiny report per tier, the worker's peak memory, one CSV report's rows per second and
/// how long a tiny report holds a worker slot (the interactive queue's two slots over tiny reports per second).
/// </summary>
internal sealed record ScaleCosts(
    double WorkerCpuSPerMRows,
    double PostgresCpuSPerMRows,
    double StorageCpuSPerMRows,
    double BytesPerRow,
    double WorkerCpuSPerPage,
    double WorkerCpuSPerJob,
    double PostgresCpuSPerJob,
    double ApiCpuSPerJob,
    double OtherCpuSPerJob,
    double WorkerPeakRssMiB,
    double CsvRowsPerSecondPerJob,
    double SecondsPerTinyJob)
{
    /// <summary>The scenarios of a run the costs are read from.</summary>
    public static readonly IReadOnlyList<string> Scenarios = ["csv_throughput", "pdf", "queue", "memory"];

    /// <summary>The costs from a run's scenarios (as in latest.json), or null when a scenario it needs did not run.</summary>
    public static ScaleCosts? From(JsonObject scenarios)
    {
        ArgumentNullException.ThrowIfNull(scenarios);
        var csv = scenarios["csv_throughput"]?["figures"];
        var pdf = scenarios["pdf"]?["figures"];
        var queue = scenarios["queue"]?["figures"];
        var rss = scenarios["memory"]?["peakRssMiB"];
        var rows = scenarios["csv_throughput"]?["rows"]?.GetValue<long>();
        if (csv is null || pdf is null || queue is null || rss is null || rows is not > 0)
        {
            return null;
        }

        // Per tiny job, from the queue scenario with one worker: its cleanest split between tiers.
        return new ScaleCosts(
            WorkerCpuSPerMRows: Median(csv, "ours_cpu_s_per_m_rows_worker"),
            PostgresCpuSPerMRows: Median(csv, "ours_cpu_s_per_m_rows_postgres"),
            StorageCpuSPerMRows: Median(csv, "ours_cpu_s_per_m_rows_azurite"),
            BytesPerRow: Median(csv, "ours_bytes") / rows.Value,
            // Measured CPU where the run has it (runs before it had only the time, one page at a time).
            WorkerCpuSPerPage: pdf["ours_worker_cpu_ms_per_page"] is null ? 1 / Median(pdf, "ours_generation_pages_per_s") : Median(pdf, "ours_worker_cpu_ms_per_page") / 1000,
            WorkerCpuSPerJob: Median(queue, "cpu_ms_per_job_workers_1w") / 1000,
            PostgresCpuSPerJob: Median(queue, "cpu_ms_per_job_postgres_1w") / 1000,
            ApiCpuSPerJob: Median(queue, "cpu_ms_per_job_api_1w") / 1000,
            OtherCpuSPerJob: (Median(queue, "cpu_ms_per_job_azurite_1w") + Median(queue, "cpu_ms_per_job_redis_1w")) / 1000,
            WorkerPeakRssMiB: rss.AsObject().Select(r => Median(rss, r.Key)).Max(),
            CsvRowsPerSecondPerJob: Median(csv, "ours_rows_per_s"),
            SecondsPerTinyJob: InteractiveSlots / Median(queue, "jobs_per_s_1w"));
    }

    private const double InteractiveSlots = 2;

    public double CpuSPerJob => WorkerCpuSPerJob + PostgresCpuSPerJob + ApiCpuSPerJob + OtherCpuSPerJob;

    private static double Median(JsonNode figures, string name) => figures[name]?["median"]?.GetValue<double>() ?? double.NaN;
}
