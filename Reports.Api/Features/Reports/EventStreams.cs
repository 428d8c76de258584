using Microsoft.Extensions.Options;

namespace Reports.Api.Features.Reports;

/// <summary>
/// The live progress streams this API process holds open: at most <see cref="ApiOptions.MaxEventStreamsPerOwner"/> per
/// owner (all its keys and tokens together), and each one ended at once when its key is revoked through this process. A key
/// revoked through another replica is found by the stream's own check of its key (<see cref="ReportEventsResult"/>).
/// </summary>
public sealed class EventStreams(IOptions<ApiOptions> options)
{
    private readonly Dictionary<string, int> _perOwner = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, HashSet<StreamPlace>> _perKey = [];
    private readonly Lock _gate = new();

    /// <summary>Streams open now (for tests: none left once every client has gone).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _perOwner.Values.Sum();
            }
        }
    }

    /// <summary>A place for one more stream of <paramref name="owner"/>, or null when it already holds the most it may.</summary>
    /// <param name="keyId">The API key the stream was opened with; null for a token, which cannot be revoked here.</param>
    public StreamPlace? TryOpen(string owner, Guid? keyId)
    {
        lock (_gate)
        {
            var open = _perOwner.GetValueOrDefault(owner);
            if (open >= options.Value.MaxEventStreamsPerOwner)
            {
                return null;
            }

            _perOwner[owner] = open + 1;
            var stream = new StreamPlace(this, owner, keyId);
            if (keyId is { } key)
            {
                if (!_perKey.TryGetValue(key, out var streams))
                {
                    _perKey[key] = streams = [];
                }

                streams.Add(stream);
            }

            return stream;
        }
    }

    /// <summary>Ends every stream opened with the key <paramref name="keyId"/>.</summary>
    public void EndStreamsOf(Guid keyId)
    {
        StreamPlace[] streams;
        lock (_gate)
        {
            streams = _perKey.TryGetValue(keyId, out var set) ? [.. set] : [];
        }

        foreach (var stream in streams)
        {
            stream.End();
        }
    }

    private void Close(StreamPlace stream)
    {
        lock (_gate)
        {
            if (stream.Closed)
            {
                return;
            }

            stream.Closed = true;
            if (stream.KeyId is { } key && _perKey.TryGetValue(key, out var streams) && streams.Remove(stream) && streams.Count == 0)
            {
                _perKey.Remove(key);
            }

            if (--_perOwner[stream.Owner] == 0)
            {
                _perOwner.Remove(stream.Owner);
            }
        }
    }

    /// <summary>One open stream's place: <see cref="Ended"/> fires when its key is revoked; disposing gives the place back.</summary>
    public sealed class StreamPlace : IDisposable
    {
        private readonly EventStreams _owner;
        private readonly CancellationTokenSource _ended = new();

        internal StreamPlace(EventStreams owner, string ownerName, Guid? keyId)
        {
            _owner = owner;
            Owner = ownerName;
            KeyId = keyId;
        }

        public string Owner { get; }

        public Guid? KeyId { get; }

        /// <summary>Given back (under the registry's lock): a second dispose gives nothing back.</summary>
        internal bool Closed { get; set; }

        public CancellationToken Ended => _ended.Token;

        public void Dispose()
        {
            _owner.Close(this);
            _ended.Dispose();
        }

        internal void End()
        {
            try
            {
                _ended.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The stream ended on its own meanwhile.
            }
        }
    }
}
