namespace Reports.Tests.Sources;

/// <summary>The sums of the source gauges' measurements for one source, from a listener's start.</summary>
internal sealed class SourceQueryGauges : IDisposable
{
    private readonly System.Diagnostics.Metrics.MeterListener _listener = new();
    private long _waiting;
    private long _running;
    private long _started;

    public SourceQueryGauges(string source)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name is "reports.source.queries_waiting" or "reports.source.queries_running")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (!tags.ToArray().Any(t => t.Key == "source" && Equals(t.Value, source)))
            {
                return;
            }

            if (instrument.Name == "reports.source.queries_waiting")
            {
                Interlocked.Add(ref _waiting, value);
                return;
            }

            Interlocked.Add(ref _running, value);
            if (value > 0)
            {
                Interlocked.Increment(ref _started);
            }
        });
        _listener.Start();
    }

    public long Waiting => Interlocked.Read(ref _waiting);

    public long Running => Interlocked.Read(ref _running);

    public long Started => Interlocked.Read(ref _started);

    public void Dispose() => _listener.Dispose();
}
