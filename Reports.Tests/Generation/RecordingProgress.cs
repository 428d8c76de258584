using Reports.Core.Generation;
using Reports.Core.Jobs;

namespace Reports.Tests.Generation;

/// <summary>Keeps every progress report a generator makes, in order.</summary>
internal sealed class RecordingProgress : IJobProgress
{
    public long Total { get; private set; }

    public List<GenerationCheckpoint> Checkpoints { get; } = [];

    /// <summary>The last checkpoint, safe to read while the generator runs.</summary>
    public GenerationCheckpoint? LastCheckpoint
    {
        get
        {
            lock (Checkpoints)
            {
                return Checkpoints.Count > 0 ? Checkpoints[^1] : null;
            }
        }
    }

    public List<long> Rows { get; } = [];

    /// <summary>After this many checkpoints the attempt has lost its lease (as a worker whose job was taken over); never when null.</summary>
    public int? FailAfterCheckpoints { get; init; }

    /// <summary>Called with the count of checkpoints after each one is recorded.</summary>
    public Action<int>? OnCheckpoint { get; init; }

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
        if (Checkpoints.Count >= FailAfterCheckpoints)
        {
            throw new LeaseLostException(Guid.Empty, 1);
        }

        int count;
        lock (Checkpoints)
        {
            Checkpoints.Add(checkpoint);
            count = Checkpoints.Count;
        }

        OnCheckpoint?.Invoke(count);
        return Task.CompletedTask;
    }
}
