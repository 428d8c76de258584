using System.Globalization;
using System.Text.Json.Nodes;
using Reports.Bench.Harness;
using Reports.Bench.Measurement;
using Reports.Bench.Results;

namespace Reports.Bench.Scenarios;

/// <summary>
/// Scenario 8: the same orders report as CSV, XLSX and JSON Lines at growing sizes, through the whole system (request
/// to committed blob) on a system with one worker: rows per second and the worker's peak RSS of each. Formats take
/// turns within each run, so they meet the same machine load; each is warmed up once first (not counted).
/// </summary>
internal static class FormatsScenario
{
    public static readonly IReadOnlyList<string> Formats = ["csv", "xlsx", "ndjson"];

    private const double Mebibyte = 1024 * 1024;

    public static async Task RunAsync(BenchSession session, CancellationToken cancellationToken)
    {
        var settings = session.Settings;
        var figures = new Figures();
        var load = new MachineLoad();
        var (warmTo, _) = await SalesData.RangeForAsync(session.Sales, 10_000, cancellationToken);
        foreach (var format in Formats)
        {
            await MemoryScenario.RunSampledAsync(session, format, warmTo, cancellationToken);
        }

        await session.DeleteBlobsAsync(cancellationToken);
        foreach (var rows in settings.FormatRows)
        {
            var (to, actual) = await SalesData.RangeForAsync(session.Sales, rows, cancellationToken);
            Console.WriteLine($"[bench] formats: {actual:N0} rows as {string.Join(", ", Formats)}, {settings.Runs} runs");
            for (var run = 0; run < settings.Runs; run++)
            {
                foreach (var format in Formats)
                {
                    var (outcome, peak) = await MemoryScenario.RunSampledAsync(session, format, to, cancellationToken);
                    figures.Add(Key(format, rows, "rows_per_s"), outcome.Rows / outcome.EndToEnd.TotalSeconds);
                    figures.Add(Key(format, rows, "peak_rss_mib"), peak / Mebibyte);
                    figures.Add(Key(format, rows, "bytes_per_row"), outcome.Bytes / (double)outcome.Rows);
                    await session.DeleteBlobsAsync(cancellationToken);
                }
            }
        }

        Publish(session.Report, settings, figures, load.Stop());
    }

    private static void Publish(BenchReport report, BenchSettings settings, Figures figures, JsonObject machineLoad)
    {
        report.Scenarios["formats"] = new JsonObject { ["figures"] = figures.ToJson(), ["machineLoad"] = machineLoad };
        const string scenario = "8. Formats: orders as CSV, XLSX, JSON Lines";
        foreach (var rows in settings.FormatRows)
        {
            foreach (var format in Formats)
            {
                report.Row(scenario, $"{format} {rows:N0} rows: rows/s", figures[Key(format, rows, "rows_per_s")], 0);
                report.Row(scenario, $"{format} {rows:N0} rows: worker peak RSS (MiB)", figures[Key(format, rows, "peak_rss_mib")], 0);
                report.Row(scenario, $"{format} {rows:N0} rows: bytes per row", figures[Key(format, rows, "bytes_per_row")], 1);
            }
        }

        var largest = settings.FormatRows[^1];
        var smallest = settings.FormatRows[0];
        var csv = figures[Key("csv", largest, "rows_per_s")].Median;
        foreach (var format in Formats.Skip(1))
        {
            var ratio = figures[Key(format, largest, "rows_per_s")].Median / csv;
            var name = $"{format}_vs_csv";
            report.Rows.Add(new TableRow(scenario, $"**{name}** (rows/s at {largest:N0} rows, {format} / csv)", ratio.ToString("0.00", CultureInfo.InvariantCulture), "medians"));
            report.Ratio(name, ratio);
        }

        foreach (var format in Formats)
        {
            var growth = figures[Key(format, largest, "peak_rss_mib")].Median - figures[Key(format, smallest, "peak_rss_mib")].Median;
            var name = $"rss_{format}_growth_mib_formats";
            report.Rows.Add(new TableRow(scenario, $"**{name}** ({format} {largest:N0} − {smallest:N0} rows, MiB)",
                growth.ToString("0.0", CultureInfo.InvariantCulture), "target: a few MB"));
            report.Ratio(name, growth);
        }
    }

    public static string Key(string format, long rows, string figure) =>
        $"{format}_{rows.ToString(CultureInfo.InvariantCulture)}_rows_{figure}";
}
