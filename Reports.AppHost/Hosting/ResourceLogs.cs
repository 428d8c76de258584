namespace Reports.AppHost.Hosting;

/// <summary>A line a process (or the AppHost, as <c>apphost</c>) printed.</summary>
internal sealed record LogLine(string Resource, string Text);

/// <summary>
/// The output of every process, prefixed by its resource name. Only the newest lines are kept (a ring buffer),
/// so a chatty process cannot grow the AppHost's memory.
/// </summary>
internal sealed class ResourceLogs(int capacity = 1000)
{
    public const string AppHost = "apphost";
    private readonly Lock _lock = new();
    private readonly Queue<LogLine> _lines = new();

    public event Action<LogLine>? Written;

    public Action<string> For(string resource) => text => Write(resource, text);

    public void Write(string resource, string text)
    {
        var line = new LogLine(resource, text);
        lock (_lock)
        {
            _lines.Enqueue(line);
            while (_lines.Count > capacity)
            {
                _lines.Dequeue();
            }
        }

        Written?.Invoke(line);
    }

    /// <summary>The newest <paramref name="count"/> lines, oldest first.</summary>
    public IReadOnlyList<LogLine> Tail(int count)
    {
        lock (_lock)
        {
            return [.. _lines.Skip(Math.Max(0, _lines.Count - count))];
        }
    }
}
