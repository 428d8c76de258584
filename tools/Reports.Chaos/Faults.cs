using Npgsql;
using Reports.LocalServers;

namespace Reports.Chaos;

/// <summary>
/// The faults injected while jobs run; each is one bounded action. The AppHost starts again what exits: a crashed
/// server or worker, and a worker that exited cleanly after SIGTERM (a scale-in), as a Deployment replaces its pods.
/// </summary>
internal sealed class Faults(SystemUnderTest system, NpgsqlDataSource database, TextWriter log) : IAsyncDisposable
{
    private const int SigStop = 19;
    private const int SigCont = 18;

    /// <summary>A storage wipe at most this often (the first after a third of it): each one restarts the reports being written.</summary>
    private static readonly TimeSpan WipeInterval = TimeSpan.FromSeconds(30);

    private readonly Random _random = new(20261123);
    private readonly List<DateTimeOffset> _redisCrashes = [];
    private readonly HashSet<Guid> _succeededBeforeWipes = [];
    private readonly Lock _lock = new();
    private DateTimeOffset _lastWipe = DateTimeOffset.UtcNow - WipeInterval * 2 / 3;
    private Task _freeze = Task.CompletedTask;
    private int? _frozenPid;

    public int Kills { get; private set; }

    public int ScaleIns { get; private set; }

    public int Frozen { get; private set; }

    public int Restarts { get; private set; }

    public int Pauses { get; private set; }

    public int StorageWipes { get; private set; }

    /// <summary>When Redis was last killed: it may lose its last second of writes, deliveries among them.</summary>
    public DateTimeOffset? LastRedisCrash
    {
        get
        {
            lock (_lock)
            {
                return _redisCrashes.Count == 0 ? null : _redisCrashes[^1];
            }
        }
    }

    /// <summary>Whether the report had succeeded when storage was wiped (its file went with the storage).</summary>
    public bool SucceededBeforeAWipe(Guid id)
    {
        lock (_lock)
        {
            return _succeededBeforeWipes.Contains(id);
        }
    }

    public async Task InjectOneAsync(CancellationToken cancellationToken)
    {
        var roll = _random.Next(100);
        if (roll < 8 && DateTimeOffset.UtcNow - _lastWipe > WipeInterval)
        {
            await WipeStorageAsync(cancellationToken);
        }
        else if (roll < 40)
        {
            SignalWorker(Signals.SigKill);
        }
        else if (roll < 55)
        {
            SignalWorker(Signals.SigTerm);
        }
        else if (roll < 65)
        {
            await FreezeBusyWorkerAsync(cancellationToken);
        }
        else if (roll < 75)
        {
            KillRedis();
        }
        else if (roll < 87)
        {
            KillPostgres();
        }
        else
        {
            await PauseStorageAsync(cancellationToken);
        }
    }

    /// <summary>Waits for a freeze under way to end (the worker resumed).</summary>
    public async ValueTask DisposeAsync() => await _freeze;

    /// <summary>SIGKILL (a crash: its jobs are taken over after their lease) or SIGTERM (a scale-in: it releases its jobs and exits 0).</summary>
    private void SignalWorker(int signal)
    {
        var workers = system.Workers().Where(w => w.Pid != _frozenPid).ToList();
        if (workers.Count == 0)
        {
            return;
        }

        var victim = workers[_random.Next(workers.Count)];
        if (!Signals.Send(victim.Pid!.Value, signal))
        {
            return;
        }

        if (signal == Signals.SigKill)
        {
            Kills++;
            log.WriteLine($"[chaos] kill -9 {victim.Name} (pid {victim.Pid})");
        }
        else
        {
            ScaleIns++;
            log.WriteLine($"[chaos] SIGTERM {victim.Name} (pid {victim.Pid}): scale-in, it releases its jobs");
        }
    }

    /// <summary>
    /// SIGSTOP a worker that runs a job, for three leases, then SIGCONT: a stale worker. Its job is taken over meanwhile;
    /// when it resumes, its late heartbeats, blocks and commit must all be refused. Runs in the background.
    /// </summary>
    private async Task FreezeBusyWorkerAsync(CancellationToken cancellationToken)
    {
        if (!_freeze.IsCompleted)
        {
            return;
        }

        var busy = new List<int>();
        try
        {
            await using var command = database.CreateCommand(
                "SELECT DISTINCT lease_owner FROM reports.jobs WHERE status = 'running' AND lease_expires_at > now()");
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                if (SystemUnderTest.PidOfWorkerId(reader.GetString(0)) is { } pid)
                {
                    busy.Add(pid);
                }
            }
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            return; // PostgreSQL is restarting
        }

        var victim = system.Workers().Where(w => busy.Contains(w.Pid!.Value)).ToList();
        if (victim.Count == 0)
        {
            return;
        }

        var worker = victim[_random.Next(victim.Count)];
        var frozenPid = worker.Pid!.Value;
        if (!Signals.Send(frozenPid, SigStop))
        {
            return;
        }

        Frozen++;
        _frozenPid = frozenPid;
        log.WriteLine($"[chaos] SIGSTOP {worker.Name} (pid {frozenPid}) for {(SystemUnderTest.Lease * 3).TotalSeconds:0} s: a stale worker");
        _freeze = ResumeAsync();

        async Task ResumeAsync()
        {
            try
            {
                await Task.Delay(SystemUnderTest.Lease * 3, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Stopping: resume it all the same.
            }
            finally
            {
                Signals.Send(frozenPid, SigCont);
                _frozenPid = null;
                log.WriteLine($"[chaos] SIGCONT {worker.Name} (pid {frozenPid})");
            }
        }
    }

    /// <summary>SIGKILL redis: with appendfsync everysec it may lose its last second of writes, as a real crash would.</summary>
    private void KillRedis()
    {
        var pid = system.Resources().FirstOrDefault(r => r.Name == "redis")?.Pid;
        if (pid is not null && Signals.Send(pid.Value, Signals.SigKill))
        {
            lock (_lock)
            {
                _redisCrashes.Add(DateTimeOffset.UtcNow);
            }

            Restarts++;
            log.WriteLine($"[chaos] redis-server killed (pid {pid}); the AppHost restarts it");
        }
    }

    /// <summary>Crash PostgreSQL (SIGKILL the postmaster); it recovers from its WAL when the AppHost starts it again.</summary>
    private void KillPostgres()
    {
        if (system.PostmasterPid() is { } pid && Signals.Send(pid, Signals.SigKill))
        {
            Restarts++;
            log.WriteLine($"[chaos] postgres postmaster killed (pid {pid}); the AppHost restarts it");
        }
    }

    /// <summary>Freeze Azurite for a few seconds (SIGSTOP/SIGCONT): storage that hangs rather than refuses.</summary>
    private async Task PauseStorageAsync(CancellationToken cancellationToken)
    {
        if (system.Resources().FirstOrDefault(r => r.Name == "blobs")?.Pid is not { } pid)
        {
            return;
        }

        Signals.Send(pid, SigStop);
        Pauses++;
        log.WriteLine($"[chaos] azurite paused (pid {pid})");
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(3 + _random.Next(4)), cancellationToken);
        }
        finally
        {
            Signals.Send(pid, SigCont);
            log.WriteLine("[chaos] azurite resumed");
        }
    }

    /// <summary>
    /// Storage comes back empty: Azurite is frozen (so nothing more is written or acknowledged), the reports that have
    /// succeeded by then are noted (their files are about to be lost, which no engine can prevent), its data folder is
    /// emptied, and it is killed; the AppHost starts it again on the empty folder. Reports being written must start again.
    /// </summary>
    private async Task WipeStorageAsync(CancellationToken cancellationToken)
    {
        if (system.Resources().FirstOrDefault(r => r.Name == "blobs")?.Pid is not { } pid || !Signals.Send(pid, SigStop))
        {
            return;
        }

        var wiped = false;
        try
        {
            // A commit acknowledged just before the freeze is recorded as succeeded within moments.
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            var succeeded = await SucceededAsync(cancellationToken);
            if (succeeded is null)
            {
                return; // PostgreSQL is restarting: no wipe this time
            }

            lock (_lock)
            {
                _succeededBeforeWipes.UnionWith(succeeded);
            }

            foreach (var entry in new DirectoryInfo(system.StorageDirectory).EnumerateFileSystemInfos())
            {
                if (entry is DirectoryInfo directory)
                {
                    directory.Delete(recursive: true);
                }
                else
                {
                    entry.Delete();
                }
            }

            wiped = Signals.Send(pid, Signals.SigKill);
        }
        finally
        {
            if (!wiped)
            {
                Signals.Send(pid, SigCont);
            }
        }

        StorageWipes++;
        _lastWipe = DateTimeOffset.UtcNow;
        log.WriteLine($"[chaos] storage wiped: azurite (pid {pid}) killed, its data deleted; the AppHost starts it again empty");
    }

    private async Task<List<Guid>?> SucceededAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                var ids = new List<Guid>();
                await using var command = database.CreateCommand("SELECT id FROM reports.jobs WHERE status = 'succeeded'");
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    ids.Add(reader.GetGuid(0));
                }

                return ids;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }

        return null;
    }
}
