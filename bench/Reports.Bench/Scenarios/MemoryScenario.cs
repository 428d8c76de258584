using System.Globalization;
using System.Text.Json.Nodes;
using Reports.Bench.Harness;
using Reports.Bench.Measurement;
using Reports.Bench.Results;
using Reports.Core.Generation.Pdf;

namespace Reports.Bench.Scenarios;

/// <summary>
/// Scenario 2: the worker's peak RSS while it generates CSVs and PDFs of growing size, on a system with one worker so
/// that the sampled process is the one doing the work. Sizes run smallest first, each a few times; each format's larger
/// reports are compared with its own 10,000-row report.
/// </summary>
internal static class MemoryScenario
{
    private const double Mebibyte = 1024 * 1024;

    /// <summary>A4 landscape, as the orders PDF is by default; one totals row per currency (12 in the dataset).</summary>
    public static readonly PdfLayout OrdersLayout = new(PdfPageSize.For("A4", "landscape"), hasSubject: false, hasChart: false, totalsRows: 12);

    /// <summary>Pages of the warm-up PDF: three segments of the default 1,000 pages, so both lanes of its worker draw.</summary>
    private const int WarmUpPdfPages = 3_000;

    private const string FirstSegmentedKey = "pdf_first_segmented";

    public static async Task RunAsync(BenchSession session, Figures memory, CancellationToken cancellationToken)
    {
        var settings = session.Settings;
        foreach (var rows in settings.MemoryCsvRows)
        {
            var (to, actual) = await SalesData.RangeForAsync(session.Sales, rows, cancellationToken);
            Console.WriteLine($"[bench] memory: CSV of {actual:N0} rows");
            for (var run = 0; run < settings.Runs; run++)
            {
                var (_, peak) = await RunSampledAsync(session, "csv", to, cancellationToken);
                memory.Add(CsvKey(rows), peak / Mebibyte);
                await session.DeleteBlobsAsync(cancellationToken);
            }
        }

        // A worker's first PDF of several segments compiles their code and fills one-time caches (see the README): drawn
        // once before the PDFs measured, whose peaks then differ only by what a larger PDF holds.
        var (warmUpTo, warmUpRows) = await RangeForPagesAsync(session, WarmUpPdfPages, cancellationToken);
        Console.WriteLine($"[bench] memory: warm-up PDF of {OrdersLayout.PageCount(warmUpRows):N0} pages (segments drawn side by side; not measured)");
        var (_, firstSegmented) = await RunSampledAsync(session, "pdf", warmUpTo, cancellationToken);
        memory.Add(FirstSegmentedKey, firstSegmented / Mebibyte);
        await session.DeleteBlobsAsync(cancellationToken);

        var (baselineTo, baselineRows) = await SalesData.RangeForAsync(session.Sales, settings.MemoryPdfBaselineRows, cancellationToken);
        Console.WriteLine($"[bench] memory: PDF of {baselineRows:N0} rows ({OrdersLayout.PageCount(baselineRows):N0} pages)");
        for (var run = 0; run < settings.Runs; run++)
        {
            var (_, peak) = await RunSampledAsync(session, "pdf", baselineTo, cancellationToken);
            memory.Add(PdfRowsKey(settings.MemoryPdfBaselineRows), peak / Mebibyte);
            await session.DeleteBlobsAsync(cancellationToken);
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

        var pdfBaseline = PdfRowsKey(settings.MemoryPdfBaselineRows);
        report.Row(scenario, $"PDF {settings.MemoryPdfBaselineRows:N0} rows", memory[pdfBaseline], 0);
        foreach (var pages in settings.MemoryPdfPages)
        {
            report.Row(scenario, $"PDF {pages:N0} pages", memory[PdfKey(pages)], 0);
        }

        report.Row(scenario, $"PDF {WarmUpPdfPages:N0} pages, the worker's first in segments (warm-up, before the PDFs above)", memory[FirstSegmentedKey], 0,
            "once: the segment and lane code compiled, caches filled");

        var csvSmallest = memory[CsvKey(settings.MemoryCsvRows[0])].Median;
        var csvLargest = memory[CsvKey(settings.MemoryCsvRows[^1])].Median;
        var pdfSmallest = memory[pdfBaseline].Median;
        var pdfLargest = memory[PdfKey(settings.MemoryPdfPages[^1])].Median;
        var csvLabel = $"CSV {settings.MemoryCsvRows[^1]:N0} − {settings.MemoryCsvRows[0]:N0} rows";
        var pdfLabel = $"PDF {settings.MemoryPdfPages[^1]:N0} pages − {settings.MemoryPdfBaselineRows:N0} rows";
        AddGrowth(report, scenario, "rss_csv_growth_mib", csvLabel, csvLargest - csvSmallest);
        AddGrowth(report, scenario, "rss_pdf_growth_mib", pdfLabel, pdfLargest - pdfSmallest);
        report.Rows.Add(new TableRow(scenario, $"PDF {settings.MemoryPdfBaselineRows:N0} rows − CSV {settings.MemoryCsvRows[0]:N0} rows (MiB)",
            (pdfSmallest - csvSmallest).ToString("0.0", CultureInfo.InvariantCulture), "PDF drawing's one-time costs (Skia, the font, the segment code; README: Where the targets stand)"));
        var ratio = csvLargest / csvSmallest;
        report.Rows.Add(new TableRow(scenario, $"**rss_5m_vs_10k** (CSV {settings.MemoryCsvRows[^1]:N0} / {settings.MemoryCsvRows[0]:N0} rows)",
            ratio.ToString("0.00", CultureInfo.InvariantCulture), "target ≤ 1.5"));
        report.Ratio("rss_5m_vs_10k", ratio);
        report.Ratio("rss_pdf_vs_10k", pdfLargest / pdfSmallest);
    }

    /// <summary>A row and a ratio for how much the peak grew from a format's smallest report to its largest.</summary>
    private static void AddGrowth(BenchReport report, string scenario, string name, string label, double mebibytes)
    {
        report.Rows.Add(new TableRow(scenario, $"**{name}** ({label})", mebibytes.ToString("0.0", CultureInfo.InvariantCulture), "target: a few MB"));
        report.Ratio(name, mebibytes);
    }

    public static string CsvKey(long rows) => $"csv_{rows.ToString(CultureInfo.InvariantCulture)}_rows";

    public static string PdfKey(int pages) => $"pdf_{pages.ToString(CultureInfo.InvariantCulture)}_pages";

    public static string PdfRowsKey(long rows) => $"pdf_{rows.ToString(CultureInfo.InvariantCulture)}_rows";

    /// <summary>The smallest range holding at least the rows of <paramref name="pages"/> full pages.</summary>
    public static async Task<(DateOnly To, long Rows)> RangeForPagesAsync(BenchSession session, int pages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        var rows = OrdersLayout.Capacity(1) + ((long)(pages - 1) * OrdersLayout.Capacity(2)) - 20;
        return await SalesData.RangeForAsync(session.Sales, rows, cancellationToken);
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
