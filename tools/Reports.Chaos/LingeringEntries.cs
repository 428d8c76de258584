namespace Reports.Chaos;

/// <summary>
/// Follows the entries counted as just read (<see cref="PendingSnapshot.JustRead"/>) from one consistent snapshot to the
/// next. A worker that reads a duplicate drops it or hands it back within a claim's round trip, after which it is gone or
/// idle; the same message fresh on the same worker that does not hold its job, in every snapshot for a lease or more, is
/// being kept (a worker still running a job it lost, a heartbeat holding another's message): a mismatch.
/// <para>
/// The sampler also follows the entries of lapsed owners (<see cref="PendingSnapshot.LapsedOwner"/>) with one of these,
/// over two leases: the same message idle on its lease owner's consumer in every snapshot for that long is an owner that
/// renews its lease but does not hold its message.
/// </para>
/// </summary>
internal sealed class LingeringEntries(TimeSpan lease)
{
    /// <summary>Consistent snapshots further apart than this do not follow one another: an entry seen in both may have left between.</summary>
    private static readonly TimeSpan MaxGap = TimeSpan.FromSeconds(2.5);

    private Dictionary<(string MessageId, string Consumer), DateTimeOffset> _since = [];
    private DateTimeOffset? _last;

    /// <summary>Takes one snapshot's entries (just read, or lapsed owners') at <paramref name="now"/>; returns those seen on their consumer, without a break, for the limit or more.</summary>
    public IReadOnlyList<PendingEntry> Observe(IReadOnlyList<PendingEntry> justRead, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(justRead);
        var follows = _last is { } last && now - last <= MaxGap;
        var since = new Dictionary<(string, string), DateTimeOffset>();
        var lingering = new List<PendingEntry>();
        foreach (var entry in justRead)
        {
            var key = (entry.MessageId, entry.Consumer);
            var first = follows && _since.TryGetValue(key, out var seen) ? seen : now;
            since[key] = first;
            if (now - first >= lease)
            {
                lingering.Add(entry);
            }
        }

        (_since, _last) = (since, now);
        return lingering;
    }
}
