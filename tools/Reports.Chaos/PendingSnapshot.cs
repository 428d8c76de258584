namespace Reports.Chaos;

/// <summary>A pending entry of a running job's message: the job it carries, the consumer that read it, its idle time, the message's id.</summary>
internal sealed record PendingEntry(Guid Job, string Consumer, TimeSpan Idle, string MessageId = "");

/// <summary>
/// How one snapshot's pending entries stand against the jobs PostgreSQL says are running (job → lease owner; a worker's
/// consumer is named by its worker id, the lease owner). A running job's message is held by its lease owner's consumer
/// and stays fresh (idle for less than a lease: the job's heartbeat resets its idle time). Every other entry of a running
/// job is a copy on its way out, counted apart, never as a mismatch:
/// <list type="bullet">
/// <item><see cref="JustRead"/>: fresh on another live worker's consumer, or a second one on the owner's: a duplicate
/// message (published again after a PostgreSQL crash) just read by a worker that drops it, since its claim cannot succeed
/// while the owner holds the lease. Such an entry is gone within a claim's round trip; one that stays fresh on the same
/// consumer for a lease is being kept (see <see cref="LingeringEntries"/>).</item>
/// <item><see cref="AwaitingTakeover"/>: idle for a lease or more, or on an exited worker's consumer: an older attempt's
/// message (left unacknowledged when that attempt lost the job, or read by a worker that stopped while PostgreSQL was
/// down), dropped by the takeover that finds it.</item>
/// </list>
/// A running job with no entry held by its owner (<see cref="Unheld"/>) is the hole the check exists for: a worker dying
/// now would leave that job to no takeover. One exception, counted apart too (<see cref="LapsedOwner"/>): the live owner's
/// consumer has the job's message, only idle. That is an owner whose lease lapsed while it could not beat (frozen, or
/// PostgreSQL down past the lease) and that nobody replaced in PostgreSQL meanwhile: its late heartbeat renews the lease
/// (a renewal is fenced on the attempt, not on the lease being live), and either holds the message again at the same
/// beat, a round trip later, or, the attempt stopped at its local deadline, holds it no more and stops renewing once the
/// attempt has wound down, so the lease runs out and the job is claimed again. The message stays where a takeover finds
/// it. Such an entry must not last: one idle on the owner in every snapshot for two leases is a mismatch (see
/// <see cref="LingeringEntries"/>).
/// </summary>
internal sealed record PendingSnapshot(
    IReadOnlyList<Guid> Unheld, IReadOnlyList<PendingEntry> JustRead, int AwaitingTakeover, IReadOnlyList<PendingEntry> LapsedOwner)
{
    public static PendingSnapshot Classify(
        IReadOnlyDictionary<Guid, string> running, IEnumerable<PendingEntry> pending, TimeSpan lease, Func<string, bool> isLiveConsumer)
    {
        var held = new HashSet<Guid>();
        var justRead = new List<PendingEntry>();
        var idleOnOwner = new List<PendingEntry>();
        var awaitingTakeover = 0;
        foreach (var entry in pending)
        {
            var fresh = entry.Idle < lease;
            if (running.TryGetValue(entry.Job, out var owner) && entry.Consumer == owner)
            {
                if (fresh && held.Add(entry.Job))
                {
                    continue;
                }

                if (!fresh && isLiveConsumer(owner))
                {
                    idleOnOwner.Add(entry); // the owner's message unless the owner holds another: known once all are seen
                    continue;
                }
            }

            if (fresh && isLiveConsumer(entry.Consumer))
            {
                justRead.Add(entry);
            }
            else
            {
                awaitingTakeover++;
            }
        }

        var lapsed = idleOnOwner.Where(entry => !held.Contains(entry.Job)).ToList();
        awaitingTakeover += idleOnOwner.Count - lapsed.Count;
        var lapsedJobs = lapsed.Select(entry => entry.Job).ToHashSet();
        return new([.. running.Keys.Where(job => !held.Contains(job) && !lapsedJobs.Contains(job)).Order()], justRead, awaitingTakeover, lapsed);
    }
}
