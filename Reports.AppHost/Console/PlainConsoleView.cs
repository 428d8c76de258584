using Reports.AppHost.Hosting;

namespace Reports.AppHost.Console;

/// <summary>Output redirected (a log file, CI): every process line as <c>[resource] line</c>, and each state change.</summary>
internal sealed class PlainConsoleView : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, ResourceState> _shown = new(StringComparer.Ordinal);
    private readonly ResourceNotifications _states;
    private readonly ResourceLogs _logs;
    private readonly TextWriter _output;

    public PlainConsoleView(ResourceNotifications states, ResourceLogs logs, TextWriter output)
    {
        _states = states;
        _logs = logs;
        _output = output;
        _states.Changed += OnChanged;
        _logs.Written += OnWritten;
    }

    public ValueTask DisposeAsync()
    {
        _states.Changed -= OnChanged;
        _logs.Written -= OnWritten;
        lock (_lock)
        {
            _output.Flush();
        }

        return ValueTask.CompletedTask;
    }

    private void OnWritten(LogLine line)
    {
        lock (_lock)
        {
            _output.WriteLine($"[{line.Resource}] {LogText.Clean(line.Text)}");
        }
    }

    private void OnChanged(ResourceSnapshot snapshot)
    {
        lock (_lock)
        {
            if (_shown.TryGetValue(snapshot.Name, out var shown) && shown == snapshot.State)
            {
                return;
            }

            _shown[snapshot.Name] = snapshot.State;
            var details = string.Join(", ", new[]
            {
                snapshot.Pid is { } pid ? $"pid {pid}" : null,
                snapshot.Endpoint,
                snapshot.Restarts > 0 ? $"restarts {snapshot.Restarts}" : null,
                snapshot.ExitCode is { } code && snapshot.State != ResourceState.Running ? $"exit code {code}" : null,
            }.OfType<string>());
            _output.WriteLine($"[{ResourceLogs.AppHost}] {snapshot.Name}: {snapshot.State}{(details.Length > 0 ? $" ({details})" : "")}");
            if (snapshot.State == ResourceState.Running && ConsoleView.IsPublicEndpoint(snapshot))
            {
                _output.WriteLine($"[{ResourceLogs.AppHost}] {snapshot.Name} is ready: {snapshot.Endpoint}");
            }
        }
    }
}
