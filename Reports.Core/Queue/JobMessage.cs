namespace Reports.Core.Queue;

/// <summary>A job's entry on its queue's stream: the job id and the W3C trace context of the request that created it; or a request to help read its partitions.</summary>
public sealed record JobMessage(string MessageId, string Queue, Guid JobId, string? TraceParent)
{
    /// <summary>Taken over from another consumer (XAUTOCLAIM), rather than read as new.</summary>
    public bool TakenOver { get; init; }

    /// <summary>Asks this worker to draw partitions of the job, which runs under another worker (or another slot).</summary>
    public bool AsksForHelp { get; init; }
}
