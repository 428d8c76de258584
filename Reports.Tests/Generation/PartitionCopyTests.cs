using System.Security.Cryptography;
using Reports.Core.Generation;
using Reports.Core.Generation.Partitions;

namespace Reports.Tests.Generation;

/// <summary>
/// A CSV partition read from its start goes to the file's hash: live when it is next in file order, else through a
/// temporary copy; one that fails, resumes, or whose copy passes the budget is read back instead.
/// </summary>
public sealed class PartitionCopyTests
{
    private static readonly byte[][] Partitions = [.. Enumerable.Range(0, 2).Select(i => Enumerable.Range(0, 5_000 + i).Select(b => (byte)(b * (i + 3))).ToArray())];

    [Fact]
    public async Task Partitions_copied_out_of_order_are_hashed_in_file_order()
    {
        using var hash = new PartitionHash();
        await using var first = PartitionCopy.Start(hash, Claim(0, blocksStaged: 0))!;
        await using var second = PartitionCopy.Start(hash, Claim(1, blocksStaged: 0))!;

        await second.WriteAsync(Partitions[1], CancellationToken.None);
        second.Done();
        await first.WriteAsync(Partitions[0].AsMemory(0, 1_000), CancellationToken.None);
        await first.WriteAsync(Partitions[0].AsMemory(1_000), CancellationToken.None);
        first.Done();

        Assert.Null(hash.ReadBackFrom(Partitions.Length));
        Assert.Equal(SHA256.HashData([.. Partitions.SelectMany(p => p)]), hash.Hash.GetHashAndReset());
    }

    [Fact]
    public async Task A_partition_whose_copy_was_not_done_is_read_back_from_its_start()
    {
        using var hash = new PartitionHash();
        var first = PartitionCopy.Start(hash, Claim(0, blocksStaged: 0))!;
        var second = PartitionCopy.Start(hash, Claim(1, blocksStaged: 0))!;
        await first.WriteAsync(Partitions[0], CancellationToken.None);
        first.Done();
        await second.WriteAsync(Partitions[1], CancellationToken.None);

        await second.DisposeAsync(); // the partition failed: its claim is given back, and its copy dropped

        Assert.Equal(Partitions[0].Length, hash.ReadBackFrom(Partitions.Length));
        Assert.Equal(SHA256.HashData(Partitions[0]), hash.Hash.GetHashAndReset());
    }

    [Fact]
    public async Task A_live_partition_that_fails_halfway_leaves_the_whole_file_to_be_read_back()
    {
        using var hash = new PartitionHash();
        var first = PartitionCopy.Start(hash, Claim(0, blocksStaged: 0))!;
        var second = PartitionCopy.Start(hash, Claim(1, blocksStaged: 0))!;
        await second.WriteAsync(Partitions[1], CancellationToken.None);
        second.Done();
        await first.WriteAsync(Partitions[0].AsMemory(0, 1_000), CancellationToken.None);

        await first.DisposeAsync(); // its claim was lost: part of it is in the hash

        Assert.Equal(0, hash.ReadBackFrom(Partitions.Length));
        Assert.Equal(SHA256.HashData([]), hash.Hash.GetHashAndReset());
        Assert.True(hash.GaveUp);
        Assert.Null(PartitionCopy.Start(hash, Claim(0, blocksStaged: 0)));
    }

    [Fact]
    public async Task A_copy_past_the_budget_is_dropped_and_the_file_is_read_back_from_the_live_partitions_end()
    {
        using var hash = new PartitionHash(maxWaitingBytes: Partitions[1].Length - 1);
        await using var first = PartitionCopy.Start(hash, Claim(0, blocksStaged: 0))!;
        await using var second = PartitionCopy.Start(hash, Claim(1, blocksStaged: 0))!;

        await second.WriteAsync(Partitions[1], CancellationToken.None); // past the budget: the hash gives up waiting
        second.Done();
        await first.WriteAsync(Partitions[0], CancellationToken.None); // live: next in file order whatever happens to the copies
        first.Done();

        Assert.True(hash.GaveUp);
        Assert.Equal(Partitions[0].Length, hash.ReadBackFrom(Partitions.Length));
        Assert.Equal(SHA256.HashData(Partitions[0]), hash.Hash.GetHashAndReset());
    }

    [Fact]
    public void A_resumed_partition_or_one_drawn_without_a_hash_is_not_copied()
    {
        using var hash = new PartitionHash();

        Assert.Null(PartitionCopy.Start(hash, Claim(0, blocksStaged: 3)));
        Assert.Null(PartitionCopy.Start(null, Claim(0, blocksStaged: 0)));
        Assert.Equal(0, hash.ReadBackFrom(1));
    }

    private static PartitionClaim Claim(int number, int blocksStaged)
    {
        var progress = Enumerable.Range(0, blocksStaged).Aggregate(GenerationCheckpoint.Start, (c, i) => c.Next(null, i + 1, i + 1, PartitionClaim.FirstBlockToken));
        return new PartitionClaim(Guid.NewGuid(), number, 1, "worker", new PartitionCheckpoint(null, null, progress));
    }
}
