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
/// now would leave that job to no takeover.
/// </summary>
internal sealed record PendingSnapshot(IReadOnlyList<Guid> Unheld, IReadOnlyList<PendingEntry> JustRead, int AwaitingTakeover)
{
    public static PendingSnapshot Classify(
        IReadOnlyDictionary<Guid, string> running, IEnumerable<PendingEntry> pending, TimeSpan lease, Func<string, bool> isLiveConsumer)
    {
        var held = new HashSet<Guid>();
        var justRead = new List<PendingEntry>();
        var awaitingTakeover = 0;
        foreach (var entry in pending)
        {
            var fresh = entry.Idle < lease;
            if (fresh && running.TryGetValue(entry.Job, out var owner) && entry.Consumer == owner && held.Add(entry.Job))
            {
                continue;
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

        return new([.. running.Keys.Where(job => !held.Contains(job)).Order()], justRead, awaitingTakeover);
    }
}
