using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Reports.Bench.Harness;
using Reports.Bench.Measurement;
using Reports.Bench.Results;

namespace Reports.Bench.Scenarios;

/// <summary>
/// Scenario 1b: scenario 1's CSV read from MariaDB instead (the orders-mariadb report on the AppHost's copy of the same
/// dataset, the same rows), against MariaDB's floor: the <c>mariadb</c> client's streamed batch output of the same query
/// piped into staged blocks, and the client alone; each run in turn so that all of them meet the same machine load.
/// </summary>
internal static class CsvMariaDbScenario
{
    public const string ReportType = "orders-mariadb";

    public static async Task RunAsync(BenchSession session, CancellationToken cancellationToken)
    {
        var settings = session.Settings;
        // The copy holds the same orders as PostgreSQL: the same range holds the same rows in both.
        var (to, rows) = await SalesData.RangeForAsync(session.Sales, settings.CsvRows, cancellationToken);
        Console.WriteLine($"[bench] csv from MariaDB: {rows:N0} rows ({SalesData.From}..{to}), {settings.Runs} runs");
        var mariaDb = session.System.SalesMariaDb ?? throw new InvalidOperationException("The system runs no MariaDB.");
        var floor = new MariaDbClientFloor(mariaDb, session.Blobs.GetBlobContainerClient(BenchSession.FloorContainer));
        var sql = MariaDbClientFloor.Sql(SalesData.Start, SalesData.End(to));
        var figures = new Figures();
        var load = new MachineLoad();

        // Warm-up, not counted: JIT in the worker; the range's rows in InnoDB's buffer pool, as PostgreSQL's are in scenario 1.
        var (warmTo, _) = await SalesData.RangeForAsync(session.Sales, Math.Min(rows, 100_000), cancellationToken);
        await session.Api.WaitAsync(await session.Api.CreateAsync(ReportType, "csv", SalesData.OrdersParameters(warmTo), cancellationToken), settings.ReportTimeout, cancellationToken);
        await floor.ToNullAsync(sql, cancellationToken);

        for (var run = 0; run < settings.Runs; run++)
        {
            var outcome = await CsvRuns.OursAsync(session, ReportType, to, figures, cancellationToken);
            if (outcome.Rows != rows)
            {
                throw new InvalidOperationException($"orders-mariadb wrote {outcome.Rows:N0} rows where the range holds {rows:N0}.");
            }

            var floorSeconds = await CsvRuns.FloorAsync(session, rows, figures,
                () => floor.ToBlobAsync(sql, $"mariadb-floor-{run.ToString(CultureInfo.InvariantCulture)}.tsv", cancellationToken));

            var clock = Stopwatch.StartNew();
            await floor.ToNullAsync(sql, cancellationToken);
            figures.Add("client_only_seconds", clock.Elapsed.TotalSeconds);
            figures.Add("client_only_rows_per_s", rows / clock.Elapsed.TotalSeconds);

            figures.Add("csv_mariadb_vs_floor", floorSeconds / outcome.EndToEnd.TotalSeconds);
            await session.DeleteBlobsAsync(cancellationToken);
        }

        var report = session.Report;
        report.Scenarios["csv_mariadb"] = new JsonObject
        {
            ["rows"] = rows,
            ["from"] = SalesData.Text(SalesData.From),
            ["to"] = SalesData.Text(to),
            ["figures"] = figures.ToJson(),
            ["machineLoad"] = load.Stop(),
        };
        var scenario = $"1b. CSV from MariaDB, {rows:N0} rows";
        report.Row(scenario, "ours: request → committed blob (s)", figures["ours_seconds"], 2, "orders-mariadb, same rows as 1.");
        report.Row(scenario, "ours: rows/s", figures["ours_rows_per_s"], 0);
        report.Row(scenario, "ours: MB/s", figures["ours_mb_per_s"], 1);
        report.Row(scenario, "floor: mariadb client → 4 MiB staged blocks (s)", figures["floor_seconds"], 2, "`mariadb --batch --quick` (tab-separated), 2 blocks in flight");
        report.Row(scenario, "floor: rows/s", figures["floor_rows_per_s"], 0);
        report.Row(scenario, "mariadb client alone into a null sink (s)", figures["client_only_seconds"], 2);
        report.Row(scenario, "**csv_mariadb_vs_floor** (floor time / ours)", figures["csv_mariadb_vs_floor"], 2);
        report.Row(scenario, "ours CPU-s per M rows: worker / MariaDB / PostgreSQL (jobs) / Azurite", figures["ours_cpu_s_per_m_rows_worker"], 2,
            CsvRuns.Medians(figures, "ours", ("MariaDB", "mariadb"), ("PostgreSQL", "postgres"), ("Azurite", "azurite")));
        report.Row(scenario, "floor CPU-s per M rows: client / MariaDB / Azurite", figures["floor_cpu_s_per_m_rows_client"], 2,
            CsvRuns.Medians(figures, "floor", ("MariaDB", "mariadb"), ("Azurite", "azurite")));
        report.Ratio("csv_mariadb_vs_floor", figures["csv_mariadb_vs_floor"].Median);
    }
}
