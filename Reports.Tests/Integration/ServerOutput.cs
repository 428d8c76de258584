using System.Collections.Concurrent;

namespace Reports.Tests.Integration;

/// <summary>Keeps the last lines of each server's output, bounded, for failure messages.</summary>
public sealed class ServerOutput
{
    private const int Keep = 200;
    private readonly ConcurrentQueue<string> _lines = new();

    public Action<string> For(string name) => line =>
    {
        _lines.Enqueue($"[{name}] {line}");
        while (_lines.Count > Keep && _lines.TryDequeue(out _))
        {
        }
    };

    public override string ToString() => string.Join(Environment.NewLine, _lines);
}
