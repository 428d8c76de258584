using System.Security.Cryptography;
using Reports.Core.Generation;
using Reports.Core.Generation.Partitions;

namespace Reports.Tests.Generation;

/// <summary>
/// The job's worker hashes partitions it draws side by side in file order from their temporary files; from the first
/// partition it did not draw, the file is read back.
/// </summary>
public sealed class PartitionHashTests
{
    private static readonly byte[][] Segments = [.. Enumerable.Range(0, 4).Select(i => Enumerable.Range(0, 3_000 + (i * 1_000)).Select(b => (byte)(b * (i + 7))).ToArray())];

    [Fact]
    public void Segments_finished_out_of_order_are_hashed_in_file_order()
    {
        using var hash = new PartitionHash();
        foreach (var number in Enumerable.Range(0, Segments.Length))
        {
            hash.Drawing(number);
        }

        foreach (var number in new[] { 2, 1, 3, 0 })
        {
            hash.Drawn(number, File(number));
        }

        Assert.Null(hash.ReadBackFrom(Segments.Length));
        Assert.Equal(SHA256.HashData([.. Segments.SelectMany(s => s)]), hash.Hash.GetHashAndReset());
    }

    [Fact]
    public void A_segment_not_drawn_here_ends_the_hash_there_and_drops_the_files_waiting_after_it()
    {
        using var hash = new PartitionHash();
        hash.Drawing(0);
        hash.Drawing(2);
        hash.Drawn(0, File(0));
        var waiting = File(2);

        // Segment 1 is another worker's: 2 cannot wait for it.
        hash.Drawn(2, waiting);
        hash.Drawing(3);
        hash.Drawn(3, File(3));

        Assert.Equal(Segments[0].Length, hash.ReadBackFrom(Segments.Length));
        Assert.Equal(SHA256.HashData(Segments[0]), hash.Hash.GetHashAndReset());
        Assert.Throws<ObjectDisposedException>(() => waiting.Length);
    }

    [Fact]
    public void A_segment_this_worker_failed_to_draw_ends_the_hash_once_a_later_one_is_done()
    {
        using var hash = new PartitionHash();
        hash.Drawing(0);
        hash.Drawing(1);
        hash.Drawing(2);
        hash.Drawn(0, File(0));
        var waiting = File(2);
        hash.Drawn(2, waiting);
        Assert.Equal(Segments[2].Length, waiting.Length); // still waiting: segment 1 is being drawn here

        hash.NotDrawn(1);

        Assert.Equal(Segments[0].Length, hash.ReadBackFrom(Segments.Length));
        Assert.Throws<ObjectDisposedException>(() => waiting.Length);
    }

    [Fact]
    public void A_segment_two_lanes_draw_here_is_waited_for_until_neither_does()
    {
        using var hash = new PartitionHash();
        hash.Drawing(0);
        hash.Drawing(0); // a second lane took over the first's stalled claim
        hash.Drawing(1);
        var waiting = File(1);
        hash.Drawn(1, waiting);

        hash.NotDrawn(0);
        Assert.Equal(Segments[1].Length, waiting.Length); // the other lane still draws segment 0

        hash.Drawn(0, File(0));
        Assert.Throws<ObjectDisposedException>(() => waiting.Length); // hashed, and let go
        Assert.Equal(Segments[0].Length + Segments[1].Length, hash.ReadBackFrom(Segments.Length));
    }

    [Fact]
    public void Segments_waiting_past_the_cap_end_the_hash_and_the_rest_is_read_back()
    {
        using var hash = new PartitionHash(maxWaitingBytes: Segments[1].Length + Segments[2].Length - 1);
        foreach (var number in Enumerable.Range(0, 3))
        {
            hash.Drawing(number);
        }

        var first = File(1);
        hash.Drawn(1, first);
        Assert.Equal(Segments[1].Length, first.Length);

        hash.Drawn(2, File(2));

        Assert.Throws<ObjectDisposedException>(() => first.Length);
        var late = File(0);
        hash.Drawn(0, late);
        Assert.Throws<ObjectDisposedException>(() => late.Length); // given up: the whole file is read back
        Assert.Equal(0, hash.ReadBackFrom(Segments.Length));
    }

    private static FileStream File(int number)
    {
        var file = TemporaryFiles.Create("segment-hash-test");
        file.Write(Segments[number]);
        file.Flush();
        return file;
    }
}
