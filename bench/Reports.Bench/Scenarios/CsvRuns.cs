using System.Diagnostics;
using System.Globalization;
using Reports.Bench.Harness;
using Reports.Bench.Results;

namespace Reports.Bench.Scenarios;

/// <summary>
/// One run of a CSV scenario's two sides, as scenarios 1 and 1b record them: an orders report through the API, request to
/// committed blob (<c>ours_*</c>), and its floor written by this process (<c>floor_*</c>): time, rows/s, MB/s and the CPU
/// each process tree spent per million rows.
/// </summary>
internal static class CsvRuns
{
    private const double Million = 1_000_000;

    /// <summary>The servers whose CPU per million rows is a figure of its own (those the system runs).</summary>
    private static readonly string[] Servers = ["postgres", "mariadb", "azurite"];

    /// <summary>Runs the report over <see cref="SalesData.From"/>..<paramref name="to"/> and adds its figures.</summary>
    public static async Task<ReportOutcome> OursAsync(
        BenchSession session, string reportType, DateOnly to, Figures figures, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(figures);
        var cpu = session.ServerCpu();
        cpu.Start();
        var id = await session.Api.CreateAsync(reportType, "csv", SalesData.OrdersParameters(to), cancellationToken);
        var outcome = await session.Api.WaitAsync(id, session.Settings.ReportTimeout, cancellationToken);
        var used = cpu.Stop();
        var seconds = outcome.EndToEnd.TotalSeconds;
        var millions = outcome.Rows / Million;
        figures.Add("ours_seconds", seconds);
        figures.Add("ours_rows_per_s", outcome.Rows / seconds);
        figures.Add("ours_mb_per_s", outcome.Bytes / 1e6 / seconds);
        figures.Add("ours_bytes", outcome.Bytes);
        var workerCpu = used.Where(u => u.Key.StartsWith("worker", StringComparison.Ordinal)).Sum(u => u.Value);
        figures.Add("ours_cpu_s_per_m_rows_worker", workerCpu / millions);
        foreach (var server in Servers.Where(used.ContainsKey))
        {
            figures.Add($"ours_cpu_s_per_m_rows_{server}", used[server] / millions);
        }

        figures.Add("ours_cpu_s_per_m_rows_total", used.Where(u => u.Key != BenchSession.AppHostTree).Sum(u => u.Value) / millions);
        return outcome;
    }

    /// <summary>
    /// Times <paramref name="write"/> (the floor: <paramref name="rows"/> rows into staged blocks, returning the bytes) and
    /// adds its figures. Returns its seconds.
    /// </summary>
    public static async Task<double> FloorAsync(BenchSession session, long rows, Figures figures, Func<Task<long>> write)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(figures);
        ArgumentNullException.ThrowIfNull(write);
        var cpu = session.ServerCpu(withBench: true);
        cpu.Start();
        var clock = Stopwatch.StartNew();
        var bytes = await write();
        var seconds = clock.Elapsed.TotalSeconds;
        var used = cpu.Stop();
        var millions = rows / Million;
        figures.Add("floor_seconds", seconds);
        figures.Add("floor_rows_per_s", rows / seconds);
        figures.Add("floor_mb_per_s", bytes / 1e6 / seconds);
        // The benchmark's tree holds the AppHost's (and so the servers') and the client it started: the client is the difference.
        figures.Add("floor_cpu_s_per_m_rows_client", (used["bench"] - used[BenchSession.AppHostTree]) / millions);
        foreach (var server in Servers.Where(used.ContainsKey))
        {
            figures.Add($"floor_cpu_s_per_m_rows_{server}", used[server] / millions);
        }

        return seconds;
    }

    /// <summary>The medians of the <paramref name="side"/>'s CPU per million rows on the named servers, as a table note.</summary>
    public static string Medians(Figures figures, string side, params (string Label, string Server)[] servers)
    {
        ArgumentNullException.ThrowIfNull(figures);
        return string.Join(", ", servers.Select(s =>
            $"{s.Label} {figures[$"{side}_cpu_s_per_m_rows_{s.Server}"].Median.ToString("0.00", CultureInfo.InvariantCulture)}")) + " (medians)";
    }
}
