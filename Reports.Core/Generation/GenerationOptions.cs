using System.ComponentModel.DataAnnotations;

namespace Reports.Core.Generation;

/// <summary>How reports are read and written (<c>Reports:Generation</c>).</summary>
public sealed class GenerationOptions
{
    public const string SectionName = "Reports:Generation";

    /// <summary>Rows read per keyset page; memory is bounded by this.</summary>
    [Range(100, 200_000)]
    public int PageSize { get; set; } = 20_000;

    /// <summary>Target size of a staged blob block; blocks are cut at row boundaries once they reach it.</summary>
    [Range(64 * 1024, 64 * 1024 * 1024)]
    public int BlockSizeBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Blocks formatted ahead of the upload (the bounded pipeline between reading and staging).</summary>
    [Range(1, 16)]
    public int BlocksInFlight { get; set; } = 2;
}
