using System.Globalization;
using System.Text.Json.Nodes;

namespace Reports.Bench.Results;

/// <summary>
/// Scenario 7: the sizing table for 10k, 100k and 1M reports a day of a stated mix, from this run's costs
/// (<see cref="ScaleCosts"/>, <see cref="Sizing"/>). Written into the table's notes and latest.json.
/// </summary>
internal static class ScaleModel
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static void Write(BenchReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (ScaleCosts.From(report.Scenarios) is not { } costs)
        {
            report.Notes.Add("**Scale model:** not computed (a scenario it needs did not run).");
            return;
        }

        var rows = Sizing.Volumes.Select(volume => Sizing.For(costs, volume)).ToList();
        report.Notes.Add(Text(costs, rows));
        report.Scenarios["scale_model"] = new JsonObject
        {
            ["costs"] = System.Text.Json.JsonSerializer.SerializeToNode(costs),
            ["sizing"] = System.Text.Json.JsonSerializer.SerializeToNode(rows),
        };
    }

    /// <summary>Copies from a results file (latest.json) each scenario the model needs that this run did not measure.</summary>
    public static void BorrowMissingFigures(BenchReport report, JsonNode results)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(results);
        foreach (var scenario in ScaleCosts.Scenarios.Where(name => report.Scenarios[name] is null))
        {
            report.Scenarios[scenario] = results["scenarios"]?[scenario]?.DeepClone();
        }
    }

    private static string Text(ScaleCosts costs, IReadOnlyList<SizingRow> rows)
    {
        var worker = ProcessBudget.Worker;
        var api = ProcessBudget.Api;
        var lines = new List<string>
        {
            $"**Scale model and sizing (scenario 7).** A day's reports, peak {Sizing.PeakFactor.ToString(C)}× the average: " +
            string.Join("; ", Sizing.Mix.Select(k => $"{(k.Share * 100).ToString("0.#", C)}% {k.Name}")) + ". " +
            $"This run's costs: {F(costs.WorkerCpuSPerMRows, 2)} worker, {F(costs.PostgresCpuSPerMRows, 2)} PostgreSQL and " +
            $"{F(costs.StorageCpuSPerMRows, 2)} storage CPU-s per million CSV rows; {F(costs.WorkerCpuSPerPage * 1000, 1)} ms of worker CPU per " +
            $"PDF page; ~{F(costs.CpuSPerJob * 1000, 0)} ms of CPU per tiny report, all tiers together; worker peak RSS {F(costs.WorkerPeakRssMiB, 0)} MiB. " +
            $"Sized at {(Sizing.TargetUtilisation * 100).ToString(C)}% utilisation; a worker process (reports 2 + reports-bulk 1 slots) is planned at " +
            $"{F(worker.PlannedCores, 1)} core and limited to {F(worker.CpuLimitCores, 0)} cores and {worker.MemoryLimitMiB} MiB, an API replica planned at " +
            $"{F(api.PlannedCores, 1)} core and limited to {F(api.CpuLimitCores, 0)} core and {api.MemoryLimitMiB} MiB (deploy/: systemd and Kubernetes); " +
            $"workers cover both their CPU and the jobs in flight (Little's law, ×2 headroom); at least two of everything.",
            "",
            "| reports a day | peak reports/s | CSV rows/s | PDF pages/s | jobs in flight | worker processes (cores) | API replicas | " +
            "machines (8 cores) | memory limits (GiB) | PostgreSQL: job store / report reads (cores) | read replicas | blob writes (MB/s) |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        };
        lines.AddRange(rows.Select(r =>
            $"| {r.ReportsPerDay.ToString("N0", C)} | {F(r.PeakReportsPerSecond, 1)} | {r.CsvRowsPerSecond.ToString("N0", C)} | {F(r.PdfPagesPerSecond, 1)} | " +
            $"{F(r.JobsInFlight, 1)} | {r.WorkerProcesses} ({F(r.WorkerCores, 2)}) | {r.ApiReplicas} | {r.Machines} | {F(r.MemoryGiB, 1)} | " +
            $"{F(r.JobStoreCores, 2)} / {F(r.ReportReadCores, 2)} | {r.ReadReplicas} | {F(r.StorageMBps, 1)} |"));
        lines.Add("");
        var busiest = rows[^1];
        lines.Add($"Redis carries a few commands per report ({F(busiest.PeakReportsPerSecond, 0)} reports/s at {busiest.ReportsPerDay.ToString("N0", C)} a day), far below its ~100k ops/s: one small instance with " +
            "`appendonly yes` and a replica at every size. The first tier to need a bigger machine is PostgreSQL's report reads: it is the one " +
            "tier that does not scale out by adding processes, so large exports go to read replicas of the report data first (issue 19).");
        return string.Join('\n', lines);
    }

    private static string F(double value, int decimals) => value.ToString("F" + decimals.ToString(C), C);
}
