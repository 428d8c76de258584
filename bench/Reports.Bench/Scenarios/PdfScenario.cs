using System.Diagnostics;
using System.Text.Json.Nodes;
using Reports.Bench.Harness;
using Reports.Bench.Measurement;
using Reports.Bench.Results;

namespace Reports.Bench.Scenarios;

/// <summary>
/// Scenario 3: pages per second of a large orders PDF through the whole system (request to committed blob), next to a
/// bare SkiaSharp loop drawing as many pages of the same rows. The worker's peak RSS of these runs goes to scenario 2.
/// </summary>
internal static class PdfScenario
{
    public static async Task RunAsync(BenchSession session, Figures memory, CancellationToken cancellationToken)
    {
        var settings = session.Settings;
        var (to, rows) = await MemoryScenario.RangeForPagesAsync(session, settings.PdfPages, cancellationToken);
        var pages = MemoryScenario.OrdersLayout.PageCount(rows);
        Console.WriteLine($"[bench] pdf: {pages:N0} pages ({rows:N0} rows), {settings.Runs} runs");
        var figures = new Figures();
        var load = new MachineLoad();
        var floorRows = await SkiaFloor.ReadRowsAsync(session.Sales, SalesData.Start, SalesData.End(to), cancellationToken);
        var floorFile = Path.Combine(settings.DataDirectory, "skia-floor.pdf");
        SkiaFloor.Draw(floorRows.Take(2_000).ToList(), settings.FontPath, floorFile); // warm-up: JIT and native library load

        for (var run = 0; run < settings.Runs; run++)
        {
            var (outcome, peak) = await MemoryScenario.RunSampledAsync(session, "pdf", to, cancellationToken);
            memory.Add(MemoryScenario.PdfKey(settings.PdfPages), peak / (1024.0 * 1024));
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
        report.Row(scenario, "bare SkiaSharp loop: pages/s", figures["skia_pages_per_s"], 0, "same rows from memory, same font and page");
        report.Row(scenario, "**pdf_vs_skia**", figures["pdf_vs_skia"], 2, "target ≥ 0.80");
        report.Ratio("pdf_vs_skia", figures["pdf_vs_skia"].Median);
    }
}
