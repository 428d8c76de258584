namespace Reports.Core.Generation;

/// <summary>
/// Where a generator reports progress. Implementations write conditionally on the attempt that holds the lease and
/// throw <see cref="Jobs.LeaseLostException"/> when another attempt has taken over, which stops the generator.
/// </summary>
public interface IJobProgress
{
    Task ReportTotalAsync(long rowsTotal, CancellationToken cancellationToken);

    /// <summary>Rows read and formatted so far, reported after every keyset page (progress only, not a checkpoint).</summary>
    Task ReportRowsAsync(long rowsWritten, CancellationToken cancellationToken);

    Task CheckpointAsync(GenerationCheckpoint checkpoint, CancellationToken cancellationToken);
}
