using Reports.AppHost.Hosting;

namespace Reports.AppHost.Dashboard;

/// <summary>One line of a resource's console output, numbered so a page can ask for the lines after the last it showed.</summary>
internal sealed record ConsoleLine(long Sequence, string Resource, string Text);

/// <summary>The newest console lines of every process (a ring of <paramref name="capacity"/>), fed by <see cref="ResourceLogs"/>.</summary>
internal sealed class ConsoleLines : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Queue<ConsoleLine> _lines = new();
    private readonly ResourceLogs _logs;
    private readonly int _capacity;
    private long _sequence;

    public ConsoleLines(ResourceLogs logs, int capacity = 20_000)
    {
        ArgumentNullException.ThrowIfNull(logs);
        _logs = logs;
        _capacity = capacity;
        foreach (var line in logs.Tail(capacity))
        {
            OnWritten(line);
        }

        logs.Written += OnWritten;
    }

    public IReadOnlyList<ConsoleLine> After(string resource, long after, int limit)
    {
        lock (_lock)
        {
            var lines = _lines.Where(l => l.Sequence > after && l.Resource == resource).ToList();
            return lines.Count > limit ? lines[^limit..] : lines;
        }
    }

    public void Dispose() => _logs.Written -= OnWritten;

    private void OnWritten(LogLine line)
    {
        lock (_lock)
        {
            _lines.Enqueue(new ConsoleLine(++_sequence, line.Resource, Console.LogText.Clean(line.Text)));
            while (_lines.Count > _capacity)
            {
                _lines.Dequeue();
            }
        }
    }
}
