namespace Reports.Core.Generation.Partitions;

/// <summary>
/// The job's progress while its partitions are read side by side: each partition's rows and checkpoints are gathered
/// into one row count (the sum, which never moves back since each partition's only grows) and one checkpoint holding
/// every partition's, written one at a time so a later checkpoint is never overwritten by an earlier one.
/// </summary>
internal sealed class PartitionProgress(IJobProgress progress, IReadOnlyList<PartitionCheckpoint> partitions) : IDisposable
{
    private readonly PartitionCheckpoint[] _partitions = [.. partitions];
    private readonly long[] _rows = [.. partitions.Select(p => p.Progress.Rows)];
    private readonly SemaphoreSlim _write = new(1, 1);

    public GenerationCheckpoint Current => GenerationCheckpoint.OfPartitions(_partitions);

    public async Task ReportRowsAsync(int partition, long rows, CancellationToken cancellationToken)
    {
        await _write.WaitAsync(cancellationToken);
        try
        {
            _rows[partition] = rows;
            await progress.ReportRowsAsync(_rows.Sum(), cancellationToken);
        }
        finally
        {
            _write.Release();
        }
    }

    public async Task CheckpointAsync(int partition, GenerationCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        await _write.WaitAsync(cancellationToken);
        try
        {
            _partitions[partition] = _partitions[partition] with { Progress = checkpoint };
            _rows[partition] = Math.Max(_rows[partition], checkpoint.Rows);
            await progress.CheckpointAsync(Current, cancellationToken);
        }
        finally
        {
            _write.Release();
        }
    }

    public void Dispose() => _write.Dispose();
}
