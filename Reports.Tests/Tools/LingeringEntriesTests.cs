using Reports.Chaos;

namespace Reports.Tests.Tools;

/// <summary>The chaos run's check that a just-read duplicate is really on its way out: gone or idle within a lease.</summary>
public sealed class LingeringEntriesTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);
    private static readonly DateTimeOffset Start = new(2026, 12, 6, 23, 0, 0, TimeSpan.Zero);
    private static readonly PendingEntry Duplicate = new(Guid.Parse("00000000-0000-0000-0000-000000000001"), "worker-b-202", TimeSpan.FromMilliseconds(100), "1700000000000-0");

    [Fact]
    public void A_duplicate_fresh_on_the_same_worker_in_every_snapshot_for_a_lease_is_kept()
    {
        var lingering = new LingeringEntries(Lease);

        Assert.Empty(lingering.Observe([Duplicate], Start));
        Assert.Empty(lingering.Observe([Duplicate], Start.AddSeconds(1)));
        Assert.Empty(lingering.Observe([Duplicate], Start.AddSeconds(2)));
        Assert.Equal([Duplicate], lingering.Observe([Duplicate], Start.AddSeconds(3)));
    }

    [Fact]
    public void A_duplicate_that_leaves_between_snapshots_starts_again_when_it_is_read_again()
    {
        // Dropped or handed back, then taken over again later: each time a copy on its way out, not one kept.
        var lingering = new LingeringEntries(Lease);

        lingering.Observe([Duplicate], Start);
        lingering.Observe([Duplicate], Start.AddSeconds(1));
        lingering.Observe([], Start.AddSeconds(2));
        Assert.Empty(lingering.Observe([Duplicate], Start.AddSeconds(3)));
        Assert.Empty(lingering.Observe([Duplicate], Start.AddSeconds(4)));
    }

    [Fact]
    public void Snapshots_too_far_apart_do_not_follow_one_another()
    {
        // A server restarting in between: the entry may have left and come back unseen.
        var lingering = new LingeringEntries(Lease);

        lingering.Observe([Duplicate], Start);
        Assert.Empty(lingering.Observe([Duplicate], Start.AddSeconds(5)));
    }

    [Fact]
    public void The_same_message_on_another_worker_is_another_entry()
    {
        var lingering = new LingeringEntries(Lease);

        lingering.Observe([Duplicate], Start);
        lingering.Observe([Duplicate], Start.AddSeconds(1.5));
        Assert.Empty(lingering.Observe([Duplicate with { Consumer = "worker-a-101" }], Start.AddSeconds(3)));
    }

    [Fact]
    public void A_lapsed_owners_idle_message_may_stay_unheld_for_less_than_two_leases_not_longer()
    {
        // The sampler follows lapsed owners over two leases: Run 8's window (the revived lease running out, or the owner
        // holding again) ends within it; an owner that renews without ever holding its message again does not.
        var idle = new PendingEntry(Duplicate.Job, "worker-a-101", TimeSpan.FromSeconds(10), "1700000000000-0");
        var window = new LingeringEntries(Lease * 2);
        Assert.Empty(window.Observe([idle], Start));
        Assert.Empty(window.Observe([idle], Start.AddSeconds(1)));
        Assert.Empty(window.Observe([idle], Start.AddSeconds(2)));
        Assert.Empty(window.Observe([idle], Start.AddSeconds(4)));
        Assert.Empty(window.Observe([], Start.AddSeconds(5)));

        var stuck = new LingeringEntries(Lease * 2);
        for (var second = 0; second < 6; second++)
        {
            Assert.Empty(stuck.Observe([idle], Start.AddSeconds(second)));
        }

        Assert.Equal([idle], stuck.Observe([idle], Start.AddSeconds(6)));
    }
}
