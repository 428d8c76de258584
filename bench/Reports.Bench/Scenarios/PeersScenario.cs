using System.Globalization;
using System.Text.Json.Nodes;
using Reports.Bench.Harness;
using Reports.Bench.Measurement;
using Reports.Bench.Results;

namespace Reports.Bench.Scenarios;

/// <summary>
/// Scenario 6: the same tiny-job load through Hangfire (on Redis, then on PostgreSQL) and BullMQ, on the running
/// system's own Redis and PostgreSQL, with as many worker processes and concurrent jobs per process as our engine has in
/// that system. Each peer is a child process (bench/peers/) running a no-op job; within one run the peers go one after
/// another, so machine-load drift meets them all. The figure of ours is scenario 4's, given to <see cref="Publish"/>.
/// </summary>
internal static class PeersScenario
{
    private static readonly string[] ServerTrees = ["redis", "postgres"];

    public static async Task RunAsync(BenchSession session, Figures figures, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(figures);
        var settings = session.Settings;
        var load = new PeerLoad(settings.PeerJobs, settings.PeerSlotsPerProcess, settings.PeerWorkerProcesses, settings.PeerTimeout);
        var servers = ServerTrees.ToDictionary(tree => tree, session.System.Pid);
        var redis = session.System.Resources["redis"].ConnectionString!;
        Console.WriteLine($"[bench] peers: {load.Jobs:N0} no-op jobs, {load.Processes} x {load.WorkersPerProcess} workers, {settings.Runs} runs");
        for (var run = 0; run < settings.Runs; run++)
        {
            foreach (var peer in PeerCommand.All)
            {
                var command = PeerCommand.For(peer, settings.RepositoryRoot, redis, session.System.Database, load);
                PeerOutcome outcome;
                try
                {
                    outcome = await PeerRunner.RunAsync(command, servers, cancellationToken);
                }
                catch (InvalidOperationException e)
                {
                    // One peer failing (its server refused it, say) leaves the others to run: its figures are n/a.
                    session.Report.Errors.Add($"6. peers, {peer}: {e.Message}");
                    Console.Error.WriteLine($"[bench] peer {peer} failed: {e.Message}");
                    continue;
                }

                figures.Add(Key(peer), outcome.Result.JobsPerSecond);
                figures.Add($"{peer}_enqueue_per_s", load.Jobs / outcome.Result.EnqueueSeconds);
                foreach (var (tree, seconds) in outcome.CpuSeconds)
                {
                    figures.Add($"{peer}_cpu_ms_per_job_{tree}", seconds * 1000 / load.Jobs);
                }
            }
        }
    }

    public static string Key(string peer) => $"{peer}_jobs_per_s";

    /// <param name="report">The report to write the rows and ratios into.</param>
    /// <param name="settings">The run's settings.</param>
    /// <param name="figures">What <see cref="RunAsync"/> measured.</param>
    /// <param name="ours">Our engine's jobs/s with the same worker processes (scenario 4), or an empty summary.</param>
    /// <param name="machineLoad">How busy the machine was meanwhile.</param>
    public static void Publish(BenchReport report, BenchSettings settings, Figures figures, Summary ours, JsonObject machineLoad)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(figures);
        ArgumentNullException.ThrowIfNull(ours);
        var c = CultureInfo.InvariantCulture;
        var shape = $"{settings.PeerWorkerProcesses} × {settings.PeerSlotsPerProcess}";
        report.Scenarios["peers"] = new JsonObject
        {
            ["jobs"] = settings.PeerJobs,
            ["workerProcesses"] = settings.PeerWorkerProcesses,
            ["concurrentJobsPerProcess"] = settings.PeerSlotsPerProcess,
            ["protocol"] = "workers idle and ready; 8 concurrent clients enqueue one by one while they consume; first enqueue to last success; a 50-job warm-up first",
            ["ours"] = ours.ToJson(),
            ["figures"] = figures.ToJson(),
            ["machineLoad"] = machineLoad,
        };

        var scenario = $"6. Peers, {settings.PeerJobs:N0} tiny jobs";
        report.Row(scenario, $"jobs/s, ours ({shape} worker slots)", ours, 0, "scenario 4's no-op jobs (in-process submit: job and outbox row, stream, fenced claim, completion, ack), same system");
        (string Peer, string Label)[] peers =
        [
            (PeerCommand.HangfireRedis, $"Hangfire + Redis ({shape} workers)"),
            (PeerCommand.HangfirePostgres, $"Hangfire + PostgreSQL ({shape} workers)"),
            (PeerCommand.BullMq, $"BullMQ ({settings.PeerWorkerProcesses} processes × concurrency {settings.PeerSlotsPerProcess})"),
        ];
        foreach (var (peer, label) in peers)
        {
            string Cpu(string tree) => figures[$"{peer}_cpu_ms_per_job_{tree}"].Median.ToString("0.00", c);
            report.Row(scenario, $"jobs/s, {label}", figures[Key(peer)], 0,
                $"no-op job; CPU ms/job (medians): runner {Cpu(PeerRunner.PeerTree)}, Redis {Cpu("redis")}, PostgreSQL {Cpu("postgres")}");
        }

        var hangfireRedis = figures[Key(PeerCommand.HangfireRedis)].Median;
        var hangfirePostgres = figures[Key(PeerCommand.HangfirePostgres)].Median;
        var bestHangfire = new[] { hangfireRedis, hangfirePostgres }.Where(double.IsFinite).DefaultIfEmpty(double.NaN).Max();
        Ratio(report, scenario, "queue_vs_hangfire", "ours / best Hangfire", ours.Median / bestHangfire);
        Ratio(report, scenario, "queue_vs_hangfire_redis", "ours / Hangfire + Redis", ours.Median / hangfireRedis);
        Ratio(report, scenario, "queue_vs_hangfire_postgres", "ours / Hangfire + PostgreSQL", ours.Median / hangfirePostgres);
        Ratio(report, scenario, "queue_vs_bullmq", "ours / BullMQ", ours.Median / figures[Key(PeerCommand.BullMq)].Median);
        report.Notes.Add($"**Peers (scenario 6).** Hangfire (bench/peers/hangfire) and BullMQ (bench/peers/bullmq) on this run's Redis and PostgreSQL, "
            + $"{shape} concurrent jobs as our workers have; workers idle, 8 clients enqueue while they consume, first enqueue to last success. "
            + "Every system runs a no-op job; ours keeps its guarantees on the way (the job row and its outbox row in PostgreSQL, a fenced lease, the stream message acknowledged only after the completion is written).");
    }

    private static void Ratio(BenchReport report, string scenario, string name, string meaning, double value)
    {
        var text = double.IsFinite(value) ? value.ToString("0.000", CultureInfo.InvariantCulture) : "n/a";
        report.Rows.Add(new TableRow(scenario, $"**{name}** ({meaning})", text, "medians"));
        report.Ratio(name, value);
    }
}
