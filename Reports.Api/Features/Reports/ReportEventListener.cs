using System.Threading.Channels;

namespace Reports.Api.Features.Reports;

/// <summary>One stream's registration with the <see cref="ReportEventHub"/>: signals that its job changed.</summary>
public sealed class ReportEventListener(ChannelReader<bool> changes, Action remove) : IDisposable
{
    /// <summary>True when the job changed, false when <paramref name="wait"/> passed without a change.</summary>
    public async Task<bool> WaitForChangeAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        if (changes.TryRead(out _))
        {
            return true;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(wait);
        try
        {
            await changes.WaitToReadAsync(timeout.Token);
            return changes.TryRead(out _);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public void Dispose() => remove();
}
