namespace Reports.Chaos;

/// <summary>The figures of one chaos run, as written to bench/results/chaos.json (keys in snake_case).</summary>
internal sealed record ChaosResult
{
    public required int Accepted { get; init; }
    public required int Succeeded { get; init; }
    public required int Failed { get; init; }

    /// <summary>Accepted reports that never reached a final state.</summary>
    public required int Lost { get; init; }

    /// <summary>Reports produced twice: more than one succeeded attempt, or more than one file in storage.</summary>
    public required int Duplicated { get; init; }

    /// <summary>Files whose SHA-256 differs from the stored one (or, for CSVs, from the reference run), or that are missing.</summary>
    public required int Mismatched { get; init; }

    /// <summary>Files of reports that had succeeded before a storage wipe and were not yet checked: lost with the storage, not by the engine.</summary>
    public required int FilesLostToWipes { get; init; }

    /// <summary>Claims, as the status resources count them (hand-overs included).</summary>
    public required int Attempts { get; init; }

    /// <summary>The most attempts a report used against its limit: max of attempt − released.</summary>
    public required int AttemptsMax { get; init; }

    /// <summary>Hand-overs: sum of jobs.released (released on SIGTERM, or started again after storage lost its blocks).</summary>
    public required int Released { get; init; }

    /// <summary>Reports dead-lettered for attempts_exhausted with fewer failed attempts than their limit: hand-overs counted as failures.</summary>
    public required int DeadLetteredByHandOvers { get; init; }

    /// <summary>Reports with an attempt that ran longer than the lease (so heartbeats and takeovers were exercised).</summary>
    public required int LongerThanLease { get; init; }

    public required int Kills { get; init; }
    public required int ScaleIns { get; init; }
    public required int Frozen { get; init; }
    public required int Restarts { get; init; }
    public required int Pauses { get; init; }
    public required int StorageWipes { get; init; }

    /// <summary>Consistent snapshots in which the stream's pending entries were compared with the long-running jobs.</summary>
    public required int PendingSamples { get; init; }

    /// <summary>Sampling rounds skipped because a server did not answer (restarting) or refused the sampler.</summary>
    public required int PendingSkipped { get; init; }

    /// <summary>Long-running jobs were there to compare, yet no snapshot was ever taken: the check did not run, so the run cannot pass.</summary>
    public bool PendingUnchecked => PendingSamples == 0 && PendingWanted > 0;

    /// <summary>Times PostgreSQL listed long-running jobs to compare.</summary>
    public required int PendingWanted { get; init; }

    /// <summary>
    /// Snapshots where a running job had no pending entry on its worker's consumer, or a worker kept another's job's message
    /// fresh for a lease, or a lease owner left its job's message idle for two leases.
    /// </summary>
    public required int PendingMismatches { get; init; }

    /// <summary>Snapshots that also had older entries of running jobs (idle, or on an exited worker's consumer), waiting for their takeover.</summary>
    public required int PendingAwaitingTakeover { get; init; }

    /// <summary>Snapshots that also had a duplicate entry of a running job just read by a worker that does not hold it (and drops it).</summary>
    public required int PendingJustRead { get; init; }

    /// <summary>
    /// Snapshots in which a running job's message was only idle on its live lease owner's consumer: an owner whose lease had
    /// lapsed (frozen, or PostgreSQL down past the lease), renewed by its late heartbeat since nobody had claimed the job.
    /// </summary>
    public required int PendingLapsedOwner { get; init; }

    public required int Workers { get; init; }
    public required double LeaseSeconds { get; init; }
    public required double ChaosSeconds { get; init; }
    public required double TotalSeconds { get; init; }
    public required string Date { get; init; }
    public IReadOnlyList<string> Problems { get; init; } = [];

    public bool Passed => Lost == 0 && Duplicated == 0 && Mismatched == 0 && DeadLetteredByHandOvers == 0 && PendingMismatches == 0 && !PendingUnchecked;
}
