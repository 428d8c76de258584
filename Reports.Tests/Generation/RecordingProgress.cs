using Reports.Core.Generation;

namespace Reports.Tests.Generation;

/// <summary>Keeps every progress report a generator makes, in order.</summary>
internal sealed class RecordingProgress : IJobProgress
{
    public long Total { get; private set; }

    public List<GenerationCheckpoint> Checkpoints { get; } = [];

    public List<long> Rows { get; } = [];

    public Task ReportTotalAsync(long rowsTotal, CancellationToken cancellationToken)
    {
        Total = rowsTotal;
        return Task.CompletedTask;
    }

    public Task ReportRowsAsync(long rowsWritten, CancellationToken cancellationToken)
    {
        Rows.Add(rowsWritten);
        return Task.CompletedTask;
    }

    public Task CheckpointAsync(GenerationCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        Checkpoints.Add(checkpoint);
        return Task.CompletedTask;
    }
}
