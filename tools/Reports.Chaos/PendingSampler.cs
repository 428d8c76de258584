using Npgsql;
using Reports.Core.Queue;
using StackExchange.Redis;

namespace Reports.Chaos;

/// <summary>
/// While the faults run, compares the streams' pending entries (XPENDING) with the jobs PostgreSQL says are running:
/// each job that has run for more than three leases on a live lease must be held by its worker's consumer. Only consistent snapshots count (PostgreSQL says the same before and after
/// Redis is read: nothing started, ended or moved in between), as in Reports.Tests/Engine/PendingMessageTests.cs. Jobs
/// whose attempt began before Redis's last crash are left out: a crash may lose the last second of writes, the delivery
/// of a message among them.
/// <para>
/// A job is held when its lease owner's consumer has a fresh entry of it; the other entries of running jobs (duplicates
/// just read by another worker, older messages waiting for their takeover, the message of a lapsed owner that its late
/// heartbeat revived) are counted apart: see <see cref="PendingSnapshot"/>.
/// </para>
/// </summary>
internal sealed class PendingSampler(
    NpgsqlDataSource database, string redisConnectionString, Faults faults, Func<IReadOnlySet<int>> liveWorkerPids, TextWriter log)
{
    /// <summary>After a Redis crash, how long before attempts count again (its restart, and a claim of a delivery it lost).</summary>
    private static readonly TimeSpan AfterRedisCrash = TimeSpan.FromSeconds(10);

    private readonly List<string> _mismatches = [];
    private readonly LingeringEntries _lingering = new(SystemUnderTest.Lease);

    /// <summary>
    /// A lapsed owner holds its message again at its next beat, or its revived lease runs out within a lease of its last
    /// renewal (the sampler drops the job a second before); a lease more for its stopped attempt to wind down.
    /// </summary>
    private readonly LingeringEntries _lapsedOwners = new(SystemUnderTest.Lease * 2);

    public int Samples { get; private set; }

    /// <summary>Times PostgreSQL listed long-running jobs to compare, whether or not the snapshot was then taken.</summary>
    public int Wanted { get; private set; }

    /// <summary>Snapshots not taken because a server did not answer (restarting), or refused the sampler (e.g. a wrong password).</summary>
    public int Skipped { get; private set; }

    /// <summary>The last error that skipped a snapshot, to show when no snapshot was taken at all.</summary>
    public string? LastError { get; private set; }

    public IReadOnlyList<string> Mismatches => _mismatches;

    /// <summary>Snapshots that also had older messages of running jobs waiting for their takeover (idle, or on an exited worker's consumer).</summary>
    public int AwaitingTakeover { get; private set; }

    /// <summary>Snapshots that also had a duplicate message of a running job just read by a worker that does not hold it.</summary>
    public int JustRead { get; private set; }

    /// <summary>
    /// Snapshots in which a running job's message was only idle on its live lease owner's consumer: an owner whose lease
    /// lapsed, renewed by its late heartbeat since nobody had claimed the job meanwhile (see <see cref="PendingSnapshot"/>).
    /// </summary>
    public int LapsedOwner { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var options = ConfigurationOptions.Parse(redisConnectionString);
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 2000;
        options.SyncTimeout = 2000;
        options.AsyncTimeout = 2000;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(options);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await SampleAsync(redis.GetDatabase(), cancellationToken);
            }
            catch (Exception e) when (e is NpgsqlException or RedisException or TimeoutException)
            {
                // A server is restarting: no snapshot this time.
                Skipped++;
                LastError = e.Message;
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task SampleAsync(IDatabase redis, CancellationToken cancellationToken)
    {
        var before = await RunningAsync(cancellationToken);
        if (before.Count == 0)
        {
            return;
        }

        Wanted++;

        var live = liveWorkerPids();
        var pending = await PendingAsync(redis, before.Keys);
        var after = await RunningAsync(cancellationToken);
        if (before.Count != after.Count || before.Any(job => !after.TryGetValue(job.Key, out var owner) || owner != job.Value))
        {
            return; // something changed while Redis was read
        }

        Samples++;
        var snapshot = PendingSnapshot.Classify(before, pending, SystemUnderTest.Lease,
            consumer => SystemUnderTest.PidOfWorkerId(consumer) is { } pid && live.Contains(pid));
        AwaitingTakeover += snapshot.AwaitingTakeover > 0 ? 1 : 0;
        JustRead += snapshot.JustRead.Count > 0 ? 1 : 0;
        LapsedOwner += snapshot.LapsedOwner.Count > 0 ? 1 : 0;
        var now = DateTimeOffset.UtcNow;
        var entries = string.Join(", ", pending.Select(p => $"{p.Job} on {p.Consumer} idle {p.Idle.TotalSeconds:0.0} s").Order(StringComparer.Ordinal));
        if (snapshot.Unheld.Count > 0)
        {
            var unheld = string.Join(", ", snapshot.Unheld.Select(job => $"{job} on {before[job]}"));
            Mismatch($"running [{unheld}] held by no entry on its worker's consumer; pending [{entries}]");
        }

        if (_lingering.Observe(snapshot.JustRead, now) is { Count: > 0 } kept)
        {
            var held = string.Join(", ", kept.Select(p => $"{p.MessageId} of {p.Job} on {p.Consumer} (runs on {before[p.Job]})"));
            Mismatch($"[{held}] kept fresh for a lease by a worker that does not hold the job; pending [{entries}]");
        }

        if (_lapsedOwners.Observe(snapshot.LapsedOwner, now) is { Count: > 0 } idle)
        {
            var unheld = string.Join(", ", idle.Select(p => $"{p.MessageId} of {p.Job} on {p.Consumer}"));
            Mismatch($"[{unheld}] idle for two leases on the consumer of the job's lease owner, which renews the lease but does not hold the message; pending [{entries}]");
        }
    }

    private void Mismatch(string what)
    {
        _mismatches.Add(what);
        log.WriteLine($"[chaos] pending mismatch: {what}");
    }

    /// <summary>Job → lease owner, for the running jobs whose attempt has run more than three leases on a live lease.</summary>
    private async Task<Dictionary<Guid, string>> RunningAsync(CancellationToken cancellationToken)
    {
        var since = (faults.LastRedisCrash ?? DateTimeOffset.UnixEpoch) + AfterRedisCrash;
        await using var command = database.CreateCommand("""
            SELECT j.id, j.lease_owner FROM reports.jobs j
            JOIN reports.job_attempts a ON a.job_id = j.id AND a.attempt = j.attempt
            WHERE j.status = 'running' AND now() - a.started_at > $1 AND j.lease_expires_at - now() > $2 AND a.started_at > $3
            """);
        command.Parameters.AddWithValue(SystemUnderTest.Lease * 3);
        command.Parameters.AddWithValue(TimeSpan.FromSeconds(1));
        command.Parameters.AddWithValue(since.UtcDateTime);
        var running = new Dictionary<Guid, string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            running[reader.GetGuid(0)] = reader.GetString(1);
        }

        return running;
    }

    /// <summary>Job, consumer and idle time of each pending entry, on either stream, that is the message of one of these jobs.</summary>
    private static async Task<List<PendingEntry>> PendingAsync(IDatabase redis, IEnumerable<Guid> jobs)
    {
        var wanted = jobs.ToHashSet();
        var held = new List<PendingEntry>();
        foreach (var queue in QueueNames.All)
        {
            var stream = QueueNames.Stream(queue);
            foreach (var entry in await redis.StreamPendingMessagesAsync(stream, QueueNames.ConsumerGroup, 10_000, RedisValue.Null))
            {
                var messages = await redis.StreamRangeAsync(stream, entry.MessageId, entry.MessageId);
                // Requests for help with a job's partitions are held by the workers reading them, not by the job's
                // owner: a partition's lease, not the message, keeps its work from being lost. They are not the job's message.
                if (messages.Length == 1 && messages[0]["help"].IsNull
                    && Guid.TryParse(messages[0]["job"].ToString(), out var job) && wanted.Contains(job))
                {
                    held.Add(new PendingEntry(job, entry.ConsumerName.ToString(), TimeSpan.FromMilliseconds(entry.IdleTimeInMilliseconds), entry.MessageId.ToString()));
                }
            }
        }

        return held;
    }
}
