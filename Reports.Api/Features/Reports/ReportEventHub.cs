using System.Threading.Channels;
using Reports.Core.Queue;

namespace Reports.Api.Features.Reports;

/// <summary>
/// The API process's one subscription to job change announcements, fanned out to the live progress streams that
/// listen to each job. A listener holds a bounded channel of one "changed" signal (further signals coalesce, since the
/// stream re-reads the job anyway), and removes itself when its stream ends, so disconnected clients leave nothing.
/// </summary>
public sealed partial class ReportEventHub(JobEvents events, ILogger<ReportEventHub> logger) : IDisposable
{
    private readonly Dictionary<Guid, List<ChannelWriter<bool>>> _listeners = [];
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _subscribing = new(1, 1);
    private volatile bool _subscribed;

    /// <summary>Listeners currently registered (for tests: none left once every stream has ended).</summary>
    public int ListenerCount
    {
        get
        {
            lock (_gate)
            {
                return _listeners.Values.Sum(l => l.Count);
            }
        }
    }

    /// <summary>Starts listening to <paramref name="jobId"/>; subscribes this process on first use.</summary>
    public async Task<ReportEventListener> ListenAsync(Guid jobId, CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
        lock (_gate)
        {
            if (!_listeners.TryGetValue(jobId, out var list))
            {
                _listeners[jobId] = list = [];
            }

            list.Add(channel.Writer);
        }

        var listener = new ReportEventListener(channel.Reader, () => Remove(jobId, channel.Writer));
        try
        {
            await EnsureSubscribedAsync(cancellationToken);
            return listener;
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    }

    public void Dispose() => _subscribing.Dispose();

    /// <summary>Without a subscription (Redis down) streams still follow their job, at the pace of their heartbeat.</summary>
    private async Task EnsureSubscribedAsync(CancellationToken cancellationToken)
    {
        if (_subscribed)
        {
            return;
        }

        await _subscribing.WaitAsync(cancellationToken);
        try
        {
            if (!_subscribed)
            {
                await events.SubscribeAsync(Notify, cancellationToken);
                _subscribed = true;
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogNotSubscribed(logger, e.Message);
        }
        finally
        {
            _subscribing.Release();
        }
    }

    private void Notify(Guid jobId)
    {
        lock (_gate)
        {
            if (_listeners.TryGetValue(jobId, out var list))
            {
                foreach (var writer in list)
                {
                    writer.TryWrite(true);
                }
            }
        }
    }

    private void Remove(Guid jobId, ChannelWriter<bool> writer)
    {
        lock (_gate)
        {
            if (_listeners.TryGetValue(jobId, out var list) && list.Remove(writer) && list.Count == 0)
            {
                _listeners.Remove(jobId);
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "Not subscribed to job changes ({Error}); live progress follows jobs at heartbeat pace")]
    private static partial void LogNotSubscribed(ILogger logger, string error);
}
