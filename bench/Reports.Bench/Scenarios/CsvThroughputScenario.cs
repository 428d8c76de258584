using System.Diagnostics;
using System.Globalization;
using Reports.Bench.Harness;
using Reports.Bench.Measurement;
using Reports.Bench.Results;

namespace Reports.Bench.Scenarios;

/// <summary>
/// Scenario 1: an orders CSV from request to committed blob, against the floor (COPY piped into staged blocks), COPY
/// alone and the upload alone, each run in turn so that all of them meet the same machine load; at two sizes.
/// </summary>
internal static class CsvThroughputScenario
{
    public static async Task RunAsync(BenchSession session, CancellationToken cancellationToken)
    {
        await RunAsync(session, session.Settings.CsvRows, "csv_throughput", "csv_vs_floor", cancellationToken);
        await RunAsync(session, session.Settings.CsvLargeRows, "csv_throughput_large", "csv_vs_floor_large", cancellationToken);
    }

    private static async Task RunAsync(BenchSession session, long wanted, string key, string ratio, CancellationToken cancellationToken)
    {
        var settings = session.Settings;
        var (to, rows) = await SalesData.RangeForAsync(session.Sales, wanted, cancellationToken);
        Console.WriteLine($"[bench] csv: {rows:N0} rows ({SalesData.From}..{to}), {settings.Runs} runs");
        var floor = new CopyFloor(session.Sales, session.Blobs.GetBlobContainerClient(BenchSession.FloorContainer));
        var sql = CopyFloor.CopySql(SalesData.Start, SalesData.End(to));
        var figures = new Figures();
        var load = new MachineLoad();

        // Warm-up, not counted: JIT in the workers and in the benchmark, the table in PostgreSQL's cache. Reports large
        // enough to be partitioned (twice the default PartitionMinRows), one per worker, so the measured run's path (the
        // cut, the partitions' lanes) is not compiled inside it, whichever worker takes it.
        var (warmTo, _) = await SalesData.RangeForAsync(session.Sales, Math.Min(rows, 600_000), cancellationToken);
        var warmUps = await Task.WhenAll(Enumerable.Range(0, session.System.Workers)
            .Select(_ => session.Api.CreateAsync("orders", "csv", SalesData.OrdersParameters(warmTo), cancellationToken)));
        foreach (var warmUp in warmUps)
        {
            await session.Api.WaitAsync(warmUp, settings.ReportTimeout, cancellationToken);
        }

        await floor.CopyToBlobAsync(CopyFloor.CopySql(SalesData.Start, SalesData.End(warmTo)), "warm.csv", cancellationToken);

        for (var run = 0; run < settings.Runs; run++)
        {
            // Ours, through the API.
            var outcome = await CsvRuns.OursAsync(session, "orders", to, figures, cancellationToken);
            var seconds = outcome.EndToEnd.TotalSeconds;

            // The floor: COPY piped into staged blocks, by this process.
            var floorSeconds = await CsvRuns.FloorAsync(session, rows, figures,
                () => floor.CopyToBlobAsync(sql, $"floor-{run.ToString(CultureInfo.InvariantCulture)}.csv", cancellationToken));

            var clock = Stopwatch.StartNew();
            await floor.CopyToNullAsync(sql, cancellationToken);
            figures.Add("copy_only_seconds", clock.Elapsed.TotalSeconds);
            figures.Add("copy_only_rows_per_s", rows / clock.Elapsed.TotalSeconds);

            clock.Restart();
            await floor.UploadOnlyAsync(outcome.Bytes, $"upload-{run.ToString(CultureInfo.InvariantCulture)}.csv", cancellationToken);
            figures.Add("upload_only_seconds", clock.Elapsed.TotalSeconds);
            figures.Add("upload_only_mb_per_s", outcome.Bytes / 1e6 / clock.Elapsed.TotalSeconds);

            figures.Add(ratio, floorSeconds / seconds);
            await session.DeleteBlobsAsync(cancellationToken);
        }

        var report = session.Report;
        report.Scenarios[key] = new System.Text.Json.Nodes.JsonObject
        {
            ["rows"] = rows,
            ["from"] = SalesData.Text(SalesData.From),
            ["to"] = SalesData.Text(to),
            ["figures"] = figures.ToJson(),
            ["machineLoad"] = load.Stop(),
        };
        var scenario = $"1. CSV, {rows:N0} rows";
        report.Row(scenario, "ours: request → committed blob (s)", figures["ours_seconds"], 2);
        report.Row(scenario, "ours: rows/s", figures["ours_rows_per_s"], 0);
        report.Row(scenario, "ours: MB/s", figures["ours_mb_per_s"], 1);
        report.Row(scenario, "floor: COPY → 4 MiB staged blocks (s)", figures["floor_seconds"], 2, "Npgsql text COPY, 2 blocks in flight");
        report.Row(scenario, "floor: rows/s", figures["floor_rows_per_s"], 0);
        report.Row(scenario, "COPY alone into a null sink (s)", figures["copy_only_seconds"], 2);
        report.Row(scenario, "upload alone, same bytes (s)", figures["upload_only_seconds"], 2);
        report.Row(scenario, $"**{ratio}** (floor time / ours)", figures[ratio], 2, "target ≥ 0.90");
        report.Row(scenario, "ours CPU-s per M rows: worker / PostgreSQL / Azurite",
            figures["ours_cpu_s_per_m_rows_worker"], 2, CsvRuns.Medians(figures, "ours", ("PostgreSQL", "postgres"), ("Azurite", "azurite")));
        report.Row(scenario, "floor CPU-s per M rows: client / PostgreSQL / Azurite",
            figures["floor_cpu_s_per_m_rows_client"], 2, CsvRuns.Medians(figures, "floor", ("PostgreSQL", "postgres"), ("Azurite", "azurite")));
        report.Ratio(ratio, figures[ratio].Median);
    }
}
