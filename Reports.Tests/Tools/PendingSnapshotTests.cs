using Reports.Chaos;

namespace Reports.Tests.Tools;

/// <summary>The chaos run's pending check: which entries of running jobs count as held, which are copies on their way out.</summary>
public sealed class PendingSnapshotTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);
    private static readonly Guid First = Guid.Parse("00000000-0000-0000-0000-000000000001");
    private static readonly Guid Second = Guid.Parse("00000000-0000-0000-0000-000000000002");
    private static readonly Dictionary<Guid, string> Running = new() { [First] = "worker-a-101", [Second] = "worker-b-202" };

    [Fact]
    public void Each_running_job_held_fresh_by_its_lease_owner_is_no_mismatch()
    {
        var snapshot = Classify(new(First, "worker-a-101", Fresh), new(Second, "worker-b-202", Fresh));

        Assert.Empty(snapshot.Unheld);
        Assert.Empty(snapshot.JustRead);
        Assert.Equal(0, snapshot.AwaitingTakeover);
        Assert.Empty(snapshot.LapsedOwner);
    }

    [Fact]
    public void A_duplicate_just_read_by_another_live_worker_is_counted_apart_not_as_held()
    {
        // Run 5: the first job's message published again after a PostgreSQL crash, just read by the second worker.
        var snapshot = Classify(new(First, "worker-a-101", Fresh), new(First, "worker-b-202", Fresh), new(Second, "worker-b-202", Fresh));

        Assert.Empty(snapshot.Unheld);
        Assert.Single(snapshot.JustRead);
        Assert.Equal(0, snapshot.AwaitingTakeover);
    }

    [Fact]
    public void A_running_job_whose_only_entry_is_on_another_worker_is_unheld()
    {
        // The hole the check exists for: its owner's consumer holds nothing, so the owner's death would leave the job to no takeover.
        var snapshot = Classify(new(First, "worker-b-202", Fresh), new(Second, "worker-b-202", Fresh));

        Assert.Equal([First], snapshot.Unheld);
        Assert.Single(snapshot.JustRead);
    }

    [Fact]
    public void A_running_job_with_no_entry_or_only_an_idle_one_on_another_worker_is_unheld()
    {
        var snapshot = Classify(new PendingEntry(First, "worker-b-202", Lease + TimeSpan.FromSeconds(1)));

        Assert.Equal([First, Second], snapshot.Unheld);
        Assert.Equal(1, snapshot.AwaitingTakeover);
        Assert.Empty(snapshot.LapsedOwner);
    }

    [Fact]
    public void A_running_job_whose_only_entry_is_idle_on_its_exited_owner_is_unheld()
    {
        // Pending only on a dead consumer: not a lapsed owner that will beat again.
        var running = new Dictionary<Guid, string> { [First] = "worker-c-303" };
        var snapshot = PendingSnapshot.Classify(running, [new(First, "worker-c-303", Lease * 3)], Lease,
            consumer => !consumer.StartsWith("worker-c", StringComparison.Ordinal));

        Assert.Equal([First], snapshot.Unheld);
        Assert.Empty(snapshot.LapsedOwner);
        Assert.Equal(1, snapshot.AwaitingTakeover);
    }

    [Fact]
    public void A_lapsed_owner_renewed_by_its_late_heartbeat_with_its_message_idle_is_counted_apart()
    {
        // Run 8: the owner, frozen for three leases, renewed its lapsed lease on resuming (nobody had claimed the job) but
        // had not held its message again; another worker, stopping, had taken a copy over and left it pending.
        var owners = new PendingEntry(First, "worker-a-101", TimeSpan.FromSeconds(10.1), "1-0");
        var snapshot = Classify(owners, new(First, "worker-b-202", TimeSpan.FromSeconds(3.1), "2-0"), new(Second, "worker-b-202", Fresh));

        Assert.Empty(snapshot.Unheld);
        Assert.Equal([owners], snapshot.LapsedOwner);
        Assert.Empty(snapshot.JustRead);
        Assert.Equal(1, snapshot.AwaitingTakeover);
    }

    [Fact]
    public void An_idle_entry_on_an_owner_that_holds_the_job_fresh_awaits_its_takeover()
    {
        // An older duplicate handed back to the owner: the owner holds the job by its own message.
        var snapshot = Classify(new(First, "worker-a-101", Lease * 2), new(First, "worker-a-101", Fresh), new(Second, "worker-b-202", Fresh));

        Assert.Empty(snapshot.Unheld);
        Assert.Empty(snapshot.LapsedOwner);
        Assert.Equal(1, snapshot.AwaitingTakeover);
    }

    [Fact]
    public void Older_entries_idle_or_on_an_exited_worker_await_their_takeover()
    {
        var snapshot = Classify(
            new(First, "worker-a-101", Fresh), new(First, "worker-c-303", Fresh), new(Second, "worker-b-202", Fresh), new(Second, "worker-a-101", Lease * 2));

        Assert.Empty(snapshot.Unheld);
        Assert.Empty(snapshot.JustRead);
        Assert.Equal(2, snapshot.AwaitingTakeover);
    }

    private static readonly TimeSpan Fresh = TimeSpan.FromMilliseconds(200);

    /// <summary>Workers a and b are alive; c has exited.</summary>
    private static PendingSnapshot Classify(params PendingEntry[] pending) =>
        PendingSnapshot.Classify(Running, pending, Lease, consumer => !consumer.StartsWith("worker-c", StringComparison.Ordinal));
}
