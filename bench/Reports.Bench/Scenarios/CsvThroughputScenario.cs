using System.Diagnostics;
using System.Globalization;
using Reports.Bench.Harness;
using Reports.Bench.Measurement;
using Reports.Bench.Results;

namespace Reports.Bench.Scenarios;

/// <summary>
/// Scenario 1: an orders CSV from request to committed blob, against the floor (COPY piped into staged blocks), COPY
/// alone and the upload alone, each run in turn so that all of them meet the same machine load.
/// </summary>
internal static class CsvThroughputScenario
{
    private const double Million = 1_000_000;

    public static async Task RunAsync(BenchSession session, CancellationToken cancellationToken)
    {
        var settings = session.Settings;
        var (to, rows) = await SalesData.RangeForAsync(session.Sales, settings.CsvRows, cancellationToken);
        Console.WriteLine($"[bench] csv: {rows:N0} rows ({SalesData.From}..{to}), {settings.Runs} runs");
        var floor = new CopyFloor(session.Sales, session.Blobs.GetBlobContainerClient(BenchSession.FloorContainer));
        var sql = CopyFloor.CopySql(SalesData.Start, SalesData.End(to));
        var figures = new Figures();
        var load = new MachineLoad();

        // Warm-up, not counted: JIT in the worker and in the benchmark, the table in PostgreSQL's cache.
        var (warmTo, _) = await SalesData.RangeForAsync(session.Sales, Math.Min(rows, 100_000), cancellationToken);
        await session.Api.WaitAsync(await session.Api.CreateAsync("orders", "csv", SalesData.OrdersParameters(warmTo), cancellationToken), settings.ReportTimeout, cancellationToken);
        await floor.CopyToBlobAsync(CopyFloor.CopySql(SalesData.Start, SalesData.End(warmTo)), "warm.csv", cancellationToken);

        for (var run = 0; run < settings.Runs; run++)
        {
            // Ours, through the API.
            var cpu = session.ServerCpu();
            cpu.Start();
            var id = await session.Api.CreateAsync("orders", "csv", SalesData.OrdersParameters(to), cancellationToken);
            var outcome = await session.Api.WaitAsync(id, settings.ReportTimeout, cancellationToken);
            var used = cpu.Stop();
            var seconds = outcome.EndToEnd.TotalSeconds;
            figures.Add("ours_seconds", seconds);
            figures.Add("ours_rows_per_s", outcome.Rows / seconds);
            figures.Add("ours_mb_per_s", outcome.Bytes / 1e6 / seconds);
            figures.Add("ours_bytes", outcome.Bytes);
            var workerCpu = used.Where(u => u.Key.StartsWith("worker", StringComparison.Ordinal)).Sum(u => u.Value);
            figures.Add("ours_cpu_s_per_m_rows_worker", workerCpu / (outcome.Rows / Million));
            figures.Add("ours_cpu_s_per_m_rows_postgres", used["postgres"] / (outcome.Rows / Million));
            figures.Add("ours_cpu_s_per_m_rows_azurite", used["azurite"] / (outcome.Rows / Million));
            figures.Add("ours_cpu_s_per_m_rows_total", (workerCpu + used["postgres"] + used["azurite"] + used["api"] + used["redis"]) / (outcome.Rows / Million));

            // The floor: COPY piped into staged blocks, by this process.
            cpu = session.ServerCpu(withBench: true);
            cpu.Start();
            var clock = Stopwatch.StartNew();
            var bytes = await floor.CopyToBlobAsync(sql, $"floor-{run.ToString(CultureInfo.InvariantCulture)}.csv", cancellationToken);
            var floorSeconds = clock.Elapsed.TotalSeconds;
            used = cpu.Stop();
            figures.Add("floor_seconds", floorSeconds);
            figures.Add("floor_rows_per_s", rows / floorSeconds);
            figures.Add("floor_mb_per_s", bytes / 1e6 / floorSeconds);
            // The benchmark's tree holds the AppHost's (and so PostgreSQL's and Azurite's): the client is the difference.
            figures.Add("floor_cpu_s_per_m_rows_client", (used["bench"] - used["apphost_tree"]) / (rows / Million));
            figures.Add("floor_cpu_s_per_m_rows_postgres", used["postgres"] / (rows / Million));
            figures.Add("floor_cpu_s_per_m_rows_azurite", used["azurite"] / (rows / Million));

            clock.Restart();
            await floor.CopyToNullAsync(sql, cancellationToken);
            figures.Add("copy_only_seconds", clock.Elapsed.TotalSeconds);
            figures.Add("copy_only_rows_per_s", rows / clock.Elapsed.TotalSeconds);

            clock.Restart();
            await floor.UploadOnlyAsync(outcome.Bytes, $"upload-{run.ToString(CultureInfo.InvariantCulture)}.csv", cancellationToken);
            figures.Add("upload_only_seconds", clock.Elapsed.TotalSeconds);
            figures.Add("upload_only_mb_per_s", outcome.Bytes / 1e6 / clock.Elapsed.TotalSeconds);

            figures.Add("csv_vs_floor", floorSeconds / seconds);
            await session.DeleteBlobsAsync(cancellationToken);
        }

        var report = session.Report;
        report.Scenarios["csv_throughput"] = new System.Text.Json.Nodes.JsonObject
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
        report.Row(scenario, "**csv_vs_floor** (floor time / ours)", figures["csv_vs_floor"], 2, "target ≥ 0.80");
        report.Row(scenario, "ours CPU-s per M rows: worker / PostgreSQL / Azurite",
            figures["ours_cpu_s_per_m_rows_worker"], 2, Cpu(figures, "ours_cpu_s_per_m_rows_postgres", "ours_cpu_s_per_m_rows_azurite"));
        report.Row(scenario, "floor CPU-s per M rows: client / PostgreSQL / Azurite",
            figures["floor_cpu_s_per_m_rows_client"], 2, Cpu(figures, "floor_cpu_s_per_m_rows_postgres", "floor_cpu_s_per_m_rows_azurite"));
        report.Ratio("csv_vs_floor", figures["csv_vs_floor"].Median);
    }

    private static string Cpu(Figures figures, string postgres, string azurite) =>
        $"PostgreSQL {figures[postgres].Median.ToString("0.00", CultureInfo.InvariantCulture)}, Azurite {figures[azurite].Median.ToString("0.00", CultureInfo.InvariantCulture)} (medians)";
}
