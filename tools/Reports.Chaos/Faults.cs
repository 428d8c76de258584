using Reports.LocalServers;

namespace Reports.Chaos;

/// <summary>The faults injected while jobs run; each is one bounded action, and the AppHost restarts what it kills.</summary>
internal sealed class Faults(SystemUnderTest system, TextWriter log)
{
    private readonly Random _random = new(20261123);

    public int Kills { get; private set; }

    public int Restarts { get; private set; }

    public int Pauses { get; private set; }

    public async Task InjectOneAsync(CancellationToken cancellationToken)
    {
        var roll = _random.Next(100);
        if (roll < 55)
        {
            KillWorker();
        }
        else if (roll < 70)
        {
            Restart("redis", "redis-server", Signals.SigKill);
        }
        else if (roll < 85)
        {
            RestartPostgres();
        }
        else
        {
            await PauseStorageAsync(cancellationToken);
        }
    }

    private void KillWorker()
    {
        var workers = system.Resources().Where(r => r.Name.StartsWith("worker-", StringComparison.Ordinal) && r.Pid is not null).ToList();
        if (workers.Count == 0)
        {
            return;
        }

        var victim = workers[_random.Next(workers.Count)];
        if (Signals.Send(victim.Pid!.Value, Signals.SigKill))
        {
            Kills++;
            log.WriteLine($"[chaos] kill -9 {victim.Name} (pid {victim.Pid})");
        }
    }

    /// <summary>SIGKILL redis: with appendfsync everysec it may lose its last second of writes, as a real crash would.</summary>
    private void Restart(string name, string what, int signal)
    {
        var pid = system.Resources().FirstOrDefault(r => r.Name == name)?.Pid;
        if (pid is not null && Signals.Send(pid.Value, signal))
        {
            Restarts++;
            log.WriteLine($"[chaos] {what} killed (pid {pid}); the AppHost restarts it");
        }
    }

    /// <summary>Crash PostgreSQL (SIGKILL the postmaster); it recovers from its WAL when the AppHost starts it again.</summary>
    private void RestartPostgres()
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

    private const int SigStop = 19;
    private const int SigCont = 18;
}
