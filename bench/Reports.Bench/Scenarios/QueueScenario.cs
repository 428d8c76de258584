using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Npgsql;
using Reports.Bench.Harness;
using Reports.Bench.Measurement;
using Reports.Bench.Results;

namespace Reports.Bench.Scenarios;

/// <summary>
/// Scenario 4: tiny reports per second through the full engine path (API → job + outbox row → Redis stream → claim →
/// a one-day CSV of a few rows → block committed → succeeded) with the number of workers of the running system.
/// </summary>
internal static class QueueScenario
{
    /// <summary>One day of one small country: a handful of rows, so the engine's own cost dominates.</summary>
    public static readonly object TinyReport = new { from = "2021-01-04", to = "2021-01-04", countries = new[] { "IE" } };

    private const int Submitters = 8;

    public static async Task RunAsync(BenchSession session, Figures figures, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(figures);
        var settings = session.Settings;
        var workers = session.System.Workers;
        Console.WriteLine($"[bench] queue: {settings.QueueJobs:N0} tiny reports with {workers} worker(s), {settings.Runs} runs");
        await RunBatchAsync(session, Math.Min(50, settings.QueueJobs), cancellationToken); // warm-up
        for (var run = 0; run < settings.Runs; run++)
        {
            var cpu = session.ServerCpu();
            cpu.Start();
            var batch = await RunBatchAsync(session, settings.QueueJobs, cancellationToken);
            var used = cpu.Stop();
            figures.Add(Key(workers), batch.JobsPerSecond);
            used["apphost"] = used["apphost_tree"] - used.Where(u => u.Key != "apphost_tree").Sum(u => u.Value);
            foreach (var tier in (string[])["postgres", "azurite", "redis", "api", "apphost"])
            {
                figures.Add($"cpu_ms_per_job_{tier}_{workers.ToString(CultureInfo.InvariantCulture)}w", used[tier] * 1000 / settings.QueueJobs);
            }

            figures.Add($"cpu_ms_per_job_workers_{workers.ToString(CultureInfo.InvariantCulture)}w",
                used.Where(u => u.Key.StartsWith("worker", StringComparison.Ordinal)).Sum(u => u.Value) * 1000 / settings.QueueJobs);
            figures.Add($"submit_per_s_{workers.ToString(CultureInfo.InvariantCulture)}w", batch.SubmittedPerSecond);
            await session.DeleteBlobsAsync(cancellationToken);
        }
    }

    public static string Key(int workers) => $"jobs_per_s_{workers.ToString(CultureInfo.InvariantCulture)}w";

    public static void Publish(BenchReport report, BenchSettings settings, Figures figures, JsonObject machineLoad)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(settings);
        report.Scenarios["queue"] = new JsonObject
        {
            ["jobs"] = settings.QueueJobs,
            ["tinyReport"] = "orders CSV, 2021-01-04, IE",
            ["figures"] = figures.ToJson(),
            ["machineLoad"] = machineLoad,
        };
        var scenario = $"4. Queue, {settings.QueueJobs:N0} tiny reports";
        foreach (var workers in settings.QueueWorkers)
        {
            report.Row(scenario, $"jobs/s, {workers} worker process(es)", figures[Key(workers)], 0,
                "submitted at " + figures[$"submit_per_s_{workers.ToString(CultureInfo.InvariantCulture)}w"].Format(0) + "/s");
        }

        report.Ratio("queue_jobs_per_s_4w", figures[Key(settings.QueueWorkers[^1])].Median);
    }

    private sealed record Batch(double JobsPerSecond, double SubmittedPerSecond);

    /// <summary>Submits <paramref name="count"/> tiny reports from a few concurrent clients, then waits for every one to end.</summary>
    private static async Task<Batch> RunBatchAsync(BenchSession session, int count, CancellationToken cancellationToken)
    {
        var ids = new Guid[count];
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Submitters).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                ids[i] = await session.Api.CreateAsync("orders", "csv", TinyReport, cancellationToken);
            }
        }));
        var submitted = clock.Elapsed.TotalSeconds;

        await using var progress = session.Database.CreateCommand("""
            SELECT count(*) FILTER (WHERE status IN ('succeeded', 'failed', 'cancelled')),
                   count(*) FILTER (WHERE status <> 'succeeded' AND status IN ('failed', 'cancelled')),
                   extract(epoch FROM max(finished_at) - min(created_at))::float8
            FROM reports.jobs WHERE id = ANY(@ids)
            """);
        progress.Parameters.Add(new NpgsqlParameter("ids", ids));
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            await using (var reader = await progress.ExecuteReaderAsync(cancellationToken))
            {
                await reader.ReadAsync(cancellationToken);
                if (reader.GetInt64(0) == count)
                {
                    if (reader.GetInt64(1) > 0)
                    {
                        throw new InvalidOperationException($"{reader.GetInt64(1)} tiny reports failed.");
                    }

                    return new Batch(count / reader.GetDouble(2), count / submitted);
                }
            }

            if (deadline.Elapsed > TimeSpan.FromMinutes(10))
            {
                throw new TimeoutException($"{count} tiny reports did not finish within 10 minutes.");
            }

            await Task.Delay(100, cancellationToken);
        }
    }
}
