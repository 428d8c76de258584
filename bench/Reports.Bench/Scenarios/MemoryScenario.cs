using System.Globalization;
using System.Text.Json.Nodes;
using Reports.Bench.Harness;
using Reports.Bench.Measurement;
using Reports.Bench.Results;
using Reports.Core.Generation.Pdf;

namespace Reports.Bench.Scenarios;

/// <summary>
/// Scenario 2: the worker's peak RSS while it generates CSVs and PDFs of growing size, on a system with one worker so
/// that the sampled process is the one doing the work. Sizes run smallest first, each a few times.
/// </summary>
internal static class MemoryScenario
{
    private const double Mebibyte = 1024 * 1024;

    /// <summary>A4 landscape, as the orders PDF is by default; one totals row per currency (12 in the dataset).</summary>
    public static readonly PdfLayout OrdersLayout = new(PdfPageSize.For("A4", "landscape"), hasSubject: false, hasChart: false, totalsRows: 12);

    public static async Task RunAsync(BenchSession session, Figures memory, CancellationToken cancellationToken)
    {
        var settings = session.Settings;
        foreach (var rows in settings.MemoryCsvRows)
        {
            var (to, actual) = await SalesData.RangeForAsync(session.Database, rows, cancellationToken);
            Console.WriteLine($"[bench] memory: CSV of {actual:N0} rows");
            for (var run = 0; run < settings.Runs; run++)
            {
                var (_, peak) = await RunSampledAsync(session, "csv", to, cancellationToken);
                memory.Add(CsvKey(rows), peak / Mebibyte);
                await session.DeleteBlobsAsync(cancellationToken);
            }
        }

        foreach (var pages in settings.MemoryPdfPages.Where(p => p != settings.PdfPages))
        {
            var (to, actual) = await RangeForPagesAsync(session, pages, cancellationToken);
            Console.WriteLine($"[bench] memory: PDF of {OrdersLayout.PageCount(actual):N0} pages");
            for (var run = 0; run < settings.Runs; run++)
            {
                var (_, peak) = await RunSampledAsync(session, "pdf", to, cancellationToken);
                memory.Add(PdfKey(pages), peak / Mebibyte);
                await session.DeleteBlobsAsync(cancellationToken);
            }
        }
    }

    /// <summary>Writes the memory figures once the PDF scenario has added its largest PDF.</summary>
    public static void Publish(BenchSession session, Figures memory, JsonObject machineLoad)
    {
        var settings = session.Settings;
        var report = session.Report;
        report.Scenarios["memory"] = new JsonObject { ["peakRssMiB"] = memory.ToJson(), ["machineLoad"] = machineLoad };
        const string scenario = "2. Worker peak RSS (MiB)";
        foreach (var rows in settings.MemoryCsvRows)
        {
            report.Row(scenario, $"CSV {rows:N0} rows", memory[CsvKey(rows)], 0);
        }

        foreach (var pages in settings.MemoryPdfPages)
        {
            report.Row(scenario, $"PDF {pages:N0} pages", memory[PdfKey(pages)], 0);
        }

        var smallest = memory[CsvKey(settings.MemoryCsvRows[0])].Median;
        var largest = memory[CsvKey(settings.MemoryCsvRows[^1])].Median;
        var all = settings.MemoryCsvRows.Select(r => memory[CsvKey(r)].Median).Concat(settings.MemoryPdfPages.Select(p => memory[PdfKey(p)].Median)).ToArray();
        var ratio = largest / smallest;
        report.Rows.Add(new TableRow(scenario, $"**rss_5m_vs_10k** (CSV {settings.MemoryCsvRows[^1]:N0} / {settings.MemoryCsvRows[0]:N0} rows)",
            ratio.ToString("0.00", CultureInfo.InvariantCulture), "target ≤ 1.5"));
        report.Rows.Add(new TableRow(scenario, "largest / smallest of all sizes above",
            (all.Max() / all.Min()).ToString("0.00", CultureInfo.InvariantCulture), "medians"));
        report.Ratio("rss_5m_vs_10k", ratio);
        report.Ratio("rss_largest_vs_smallest", all.Max() / all.Min());
    }

    public static string CsvKey(long rows) => $"csv_{rows.ToString(CultureInfo.InvariantCulture)}_rows";

    public static string PdfKey(int pages) => $"pdf_{pages.ToString(CultureInfo.InvariantCulture)}_pages";

    /// <summary>The smallest range holding at least the rows of <paramref name="pages"/> full pages.</summary>
    public static async Task<(DateOnly To, long Rows)> RangeForPagesAsync(BenchSession session, int pages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        var rows = OrdersLayout.Capacity(1) + ((long)(pages - 1) * OrdersLayout.Capacity(2)) - 20;
        return await SalesData.RangeForAsync(session.Database, rows, cancellationToken);
    }

    /// <summary>Runs one orders report while sampling the (single) worker's RSS; returns its outcome and peak RSS in bytes.</summary>
    public static async Task<(ReportOutcome Outcome, long PeakRss)> RunSampledAsync(BenchSession session, string format, DateOnly to, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        var sampler = RssSampler.Start(session.System.WorkerPids.First());
        await using (sampler)
        {
            var id = await session.Api.CreateAsync("orders", format, SalesData.OrdersParameters(to), cancellationToken);
            var outcome = await session.Api.WaitAsync(id, session.Settings.ReportTimeout, cancellationToken);
            return (outcome, await sampler.StopAsync());
        }
    }
}
