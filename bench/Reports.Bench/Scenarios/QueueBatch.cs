using System.Diagnostics;
using Reports.Bench.Harness;

namespace Reports.Bench.Scenarios;

/// <summary>
/// One batch of the queue scenario: <c>count</c> jobs submitted by a few concurrent clients while the workers run them,
/// timed by the database from the first job accepted to the last one finished, with each tier's CPU over the batch.
/// </summary>
internal static class QueueBatch
{
    private const int Submitters = 8;

    /// <param name="JobsPerSecond">Jobs over the time from the first accepted (created_at) to the last finished.</param>
    /// <param name="SubmittedPerSecond">Jobs over the time the clients took to submit them all.</param>
    /// <param name="CpuMsPerJob">CPU milliseconds per job of each process tree (postgres, azurite, redis, api, worker-N, apphost, client).</param>
    public sealed record Outcome(double JobsPerSecond, double SubmittedPerSecond, IReadOnlyDictionary<string, double> CpuMsPerJob);

    public static async Task<Outcome> RunAsync(BenchSession session, IJobSubmitter submitter, int count, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(submitter);
        var cpu = session.ServerCpu(withBench: true);
        cpu.Start();
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Submitters).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < count)
            {
                await submitter.SubmitAsync(cancellationToken);
            }
        }));
        var submitted = clock.Elapsed.TotalSeconds;
        await WaitUntilFinishedAsync(session, submitter.Owner, cancellationToken);
        var used = cpu.Stop();
        var (finished, failed, seconds) = await TotalsAsync(session, submitter.Owner, cancellationToken);
        if (finished != count || failed > 0)
        {
            throw new InvalidOperationException($"Of {count} jobs of {submitter.Owner}, {finished} finished and {failed} of them did not succeed.");
        }

        // Trees nest: the benchmark's holds the AppHost's, which holds every server's. The AppHost's own CPU (its
        // dashboard receives every service's telemetry) is its tree less the servers'; the client's (the submitting
        // benchmark, with its polling) is its tree less the AppHost's.
        var servers = used.Where(u => u.Key is not ("apphost_tree" or "bench")).ToDictionary(u => u.Key, u => u.Value);
        var perJob = servers.ToDictionary(u => u.Key, u => u.Value * 1000 / count);
        perJob["apphost"] = (used["apphost_tree"] - servers.Values.Sum()) * 1000 / count;
        perJob["client"] = (used["bench"] - used["apphost_tree"]) * 1000 / count;
        return new Outcome(count / seconds, count / submitted, perJob);
    }

    /// <summary>Polls the owner's unfinished jobs (an index range on owner and status) until there are none.</summary>
    private static async Task WaitUntilFinishedAsync(BenchSession session, string owner, CancellationToken cancellationToken)
    {
        await using var unfinished = session.Database.CreateCommand(
            "SELECT count(*) FROM reports.jobs WHERE owner = $1 AND status IN ('queued', 'retrying', 'running', 'cancelling')");
        unfinished.Parameters.AddWithValue(owner);
        var deadline = Stopwatch.StartNew();
        while ((long)(await unfinished.ExecuteScalarAsync(cancellationToken))! > 0)
        {
            if (deadline.Elapsed > TimeSpan.FromMinutes(10))
            {
                throw new TimeoutException($"The jobs of {owner} did not finish within 10 minutes.");
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    private static async Task<(long Finished, long Failed, double Seconds)> TotalsAsync(BenchSession session, string owner, CancellationToken cancellationToken)
    {
        await using var totals = session.Database.CreateCommand("""
            SELECT count(*) FILTER (WHERE status IN ('succeeded', 'failed', 'cancelled')),
                   count(*) FILTER (WHERE status IN ('failed', 'cancelled')),
                   extract(epoch FROM max(finished_at) - min(created_at))::float8
            FROM reports.jobs WHERE owner = $1
            """);
        totals.Parameters.AddWithValue(owner);
        await using var reader = await totals.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetDouble(2));
    }
}
