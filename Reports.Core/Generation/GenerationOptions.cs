using System.ComponentModel.DataAnnotations;

namespace Reports.Core.Generation;

/// <summary>How reports are read and written (<c>Reports:Generation</c>).</summary>
public sealed class GenerationOptions
{
    public const string SectionName = "Reports:Generation";

    /// <summary>Rows read per keyset page; memory is bounded by this.</summary>
    [Range(100, 200_000)]
    public int PageSize { get; set; } = 100_000;

    /// <summary>Target size of a staged blob block; blocks are cut at row boundaries once they reach it.</summary>
    [Range(64 * 1024, 64 * 1024 * 1024)]
    public int BlockSizeBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Blocks formatted ahead of the upload (the bounded pipeline between reading and staging).</summary>
    [Range(1, 16)]
    public int BlocksInFlight { get; set; } = 2;

    /// <summary>
    /// Key-range partitions of about equal rows a report of at least twice <see cref="PartitionMinRows"/> rows is cut
    /// into (PostgreSQL sources), for the job's worker and any worker of its queue it asks for help to read, one per job
    /// slot. Each page still takes one of the source's query slots, so the source's cap bounds the backends all reports
    /// use together. 1 reads every report whole.
    /// </summary>
    [Range(1, 16)]
    public int ReadersPerReport { get; set; } = 2;

    /// <summary>
    /// Rows per keyset page of a partition: large, so most partitions are one statement (one join of their rows, where
    /// pages of <see cref="PageSize"/> join every page again). A partition's blocks are staged as they are cut, so its
    /// memory stays the blocks in flight; the price is a statement (and its query slot) held open while storage is slow,
    /// under the source's statement timeout.
    /// </summary>
    [Range(100, 10_000_000)]
    public int PartitionPageSize { get; set; } = 1_000_000;

    /// <summary>
    /// Partitions of one file (key ranges of a CSV or JSON Lines file, segments of a PDF) the job's worker draws at once,
    /// each on a thread and a connection of its own, so one report uses this many of its cores (and up to this many of the
    /// source's query slots, never the last one). Those it draws are hashed from local copies, not read back from
    /// storage. Workers asked to help draw one partition at a time each.
    /// </summary>
    [Range(1, 16)]
    public int LanesPerJob { get; set; } = 2;

    /// <summary>Fewest rows a partition is cut for (see <see cref="ReadersPerReport"/>).</summary>
    [Range(1_000, long.MaxValue)]
    public long PartitionMinRows { get; set; } = 250_000;
}
