using System.Diagnostics;
using System.Text.Json.Nodes;
using Reports.Bench.Harness;
using Reports.Bench.Measurement;
using Reports.Bench.Results;

namespace Reports.Bench.Scenarios;

/// <summary>
/// Scenario 3: pages per second of a large orders PDF through the whole system (request to committed blob), next to a
/// bare SkiaSharp loop drawing as many pages of the same rows; then the same PDF in a system of two workers, whose
/// segments both draw. The worker's peak RSS of the one-worker runs goes to scenario 2.
/// </summary>
internal static class PdfScenario
{
    /// <summary>The one-worker runs' figures, which the two-worker runs are set beside.</summary>
    private static readonly Figures Figures = new();

    public static async Task RunAsync(BenchSession session, Figures memory, CancellationToken cancellationToken)
    {
        var settings = session.Settings;
        var (to, rows) = await MemoryScenario.RangeForPagesAsync(session, settings.PdfPages, cancellationToken);
        var pages = MemoryScenario.OrdersLayout.PageCount(rows);
        Console.WriteLine($"[bench] pdf: {pages:N0} pages ({rows:N0} rows), {settings.Runs} runs");
        var figures = Figures;
        var load = new MachineLoad();
        var floorRows = await SkiaFloor.ReadRowsAsync(session.Sales, SalesData.Start, SalesData.End(to), cancellationToken);
        var floorFile = Path.Combine(settings.DataDirectory, "skia-floor.pdf");
        SkiaFloor.Draw(floorRows.Take(2_000).ToList(), settings.FontPath, floorFile); // warm-up: JIT and native library load

        for (var run = 0; run < settings.Runs; run++)
        {
            var cpu = session.ServerCpu();
            cpu.Start();
            var (outcome, peak) = await MemoryScenario.RunSampledAsync(session, "pdf", to, cancellationToken);
            var workerCpu = cpu.Stop().Where(u => u.Key.StartsWith("worker", StringComparison.Ordinal)).Sum(u => u.Value);
            memory.Add(MemoryScenario.PdfKey(settings.PdfPages), peak / (1024.0 * 1024));
            // CPU, not time: the job's worker draws segments side by side, so a page costs more CPU than its share of the time.
            figures.Add("ours_worker_cpu_ms_per_page", workerCpu * 1000 / pages);
            figures.Add("ours_seconds", outcome.EndToEnd.TotalSeconds);
            figures.Add("ours_pages_per_s", pages / outcome.EndToEnd.TotalSeconds);
            figures.Add("ours_generation_pages_per_s", pages / outcome.Generation.TotalSeconds);
            figures.Add("ours_bytes", outcome.Bytes);
            await session.DeleteBlobsAsync(cancellationToken);

            var clock = Stopwatch.StartNew();
            var floorPages = SkiaFloor.Draw(floorRows, settings.FontPath, floorFile);
            figures.Add("skia_seconds", clock.Elapsed.TotalSeconds);
            figures.Add("skia_pages_per_s", floorPages / clock.Elapsed.TotalSeconds);
            figures.Add("skia_bytes", new FileInfo(floorFile).Length);
            figures.Add("pdf_vs_skia", pages / outcome.EndToEnd.TotalSeconds / (floorPages / clock.Elapsed.TotalSeconds));
            File.Delete(floorFile);
        }

        var report = session.Report;
        report.Scenarios["pdf"] = new JsonObject
        {
            ["pages"] = pages,
            ["rows"] = rows,
            ["figures"] = figures.ToJson(),
            ["machineLoad"] = load.Stop(),
        };
        var scenario = $"3. PDF, {pages:N0} pages";
        report.Row(scenario, "ours: request → committed blob (s)", figures["ours_seconds"], 1);
        report.Row(scenario, "ours: pages/s", figures["ours_pages_per_s"], 0, "generation alone (started → finished): " + figures["ours_generation_pages_per_s"].Format(0));
        report.Row(scenario, "ours: worker CPU per page (ms)", figures["ours_worker_cpu_ms_per_page"], 2, "the bare loop: " + (1000 / figures["skia_pages_per_s"].Median).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture));
        report.Row(scenario, "bare SkiaSharp loop: pages/s", figures["skia_pages_per_s"], 0, "same rows from memory, same font and page");
        report.Row(scenario, "**pdf_vs_skia**", figures["pdf_vs_skia"], 2, "target ≥ 0.90");
        report.Ratio("pdf_vs_skia", figures["pdf_vs_skia"].Median);
    }

    /// <summary>The same PDF in a system of two workers: the job's worker and the other (asked to help) draw its segments.</summary>
    public static async Task RunTwoWorkersAsync(BenchSession session, CancellationToken cancellationToken)
    {
        var settings = session.Settings;
        var (to, rows) = await MemoryScenario.RangeForPagesAsync(session, settings.PdfPages, cancellationToken);
        var pages = MemoryScenario.OrdersLayout.PageCount(rows);
        Console.WriteLine($"[bench] pdf, two workers: {pages:N0} pages, {settings.Runs} runs");
        var load = new MachineLoad();
        for (var run = 0; run < settings.Runs; run++)
        {
            var (outcome, _) = await MemoryScenario.RunSampledAsync(session, "pdf", to, cancellationToken);
            Figures.Add("ours_2w_seconds", outcome.EndToEnd.TotalSeconds);
            Figures.Add("ours_2w_pages_per_s", pages / outcome.EndToEnd.TotalSeconds);
            Figures.Add("ours_2w_bytes", outcome.Bytes);
            await session.DeleteBlobsAsync(cancellationToken);
        }

        var scenario = $"3. PDF, {pages:N0} pages";
        var report = session.Report;
        if (report.Scenarios["pdf"] is JsonObject pdf)
        {
            pdf["figures"] = Figures.ToJson();
            pdf["machineLoadTwoWorkers"] = load.Stop();
        }

        report.Row(scenario, "ours, 2 workers: pages/s", Figures["ours_2w_pages_per_s"], 0, "segments drawn by both workers");
        var skia = Figures["skia_pages_per_s"];
        if (skia.Count > 0)
        {
            var ratio = Figures["ours_2w_pages_per_s"].Median / skia.Median;
            report.Row(scenario, "pdf_2w_vs_skia", Summary.Of([ratio]), 2, "medians; 2 workers against one Skia loop");
            report.Ratio("pdf_2w_vs_skia", ratio);
        }
    }
}
