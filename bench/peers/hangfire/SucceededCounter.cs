using Hangfire.States;
using Hangfire.Storage;

namespace Reports.Bench.Peers.Hangfire;

/// <summary>
/// Counts the jobs that reach Succeeded, as a global state filter, and notes the moment the awaited count is reached:
/// the end of a batch's clock, without polling the storage. The filter runs inside the state's transaction, just before
/// it commits; <see cref="TinyBatch"/> checks the storage's own count afterwards.
/// </summary>
internal sealed class SucceededCounter : IApplyStateFilter
{
    private readonly TimeProvider _time;
    private long _succeeded;
    private long _target = long.MaxValue;
    private TaskCompletionSource<long> _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public SucceededCounter(TimeProvider time) => _time = time;

    /// <summary>Starts counting from zero; the task completes with the timestamp of the <paramref name="target"/>-th success.</summary>
    public Task<long> Await(long target)
    {
        _reached = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref _succeeded, 0);
        Interlocked.Exchange(ref _target, target);
        return _reached.Task;
    }

    public void OnStateApplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.NewState is SucceededState && Interlocked.Increment(ref _succeeded) == Interlocked.Read(ref _target))
        {
            _reached.TrySetResult(_time.GetTimestamp());
        }
        else if (context.NewState is FailedState failed)
        {
            _reached.TrySetException(new InvalidOperationException($"A no-op job failed: {failed.Exception?.Message}"));
        }
    }

    public void OnStateUnapplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
    {
    }
}
