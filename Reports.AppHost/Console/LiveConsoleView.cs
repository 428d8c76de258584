using System.Globalization;
using Reports.AppHost.Hosting;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Reports.AppHost.Console;

/// <summary>In a terminal: a live table of the resources, and below it the newest prefixed lines of every process.</summary>
internal sealed class LiveConsoleView : IAsyncDisposable
{
    private static readonly TimeSpan RefreshEvery = TimeSpan.FromMilliseconds(250);
    private static readonly string[] Palette = ["aqua", "yellow", "fuchsia", "lime", "orange1", "deepskyblue1", "violet", "springgreen2", "gold1", "hotpink"];
    private readonly CancellationTokenSource _stop = new();
    private readonly ResourceNotifications _states;
    private readonly ResourceLogs _logs;
    private Task _running = Task.CompletedTask;

    private LiveConsoleView(ResourceNotifications states, ResourceLogs logs)
    {
        _states = states;
        _logs = logs;
    }

    public static LiveConsoleView Start(ResourceNotifications states, ResourceLogs logs)
    {
        var view = new LiveConsoleView(states, logs);
        view._running = AnsiConsole.Live(view.Render()).AutoClear(false).Overflow(VerticalOverflow.Crop).StartAsync(view.RefreshAsync);
        return view;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _running;
        _stop.Dispose();
    }

    private async Task RefreshAsync(LiveDisplayContext context)
    {
        while (!_stop.IsCancellationRequested)
        {
            context.UpdateTarget(Render());
            try
            {
                await Task.Delay(RefreshEvery, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        context.UpdateTarget(Render());
    }

    private Rows Render()
    {
        var resources = _states.Current();
        var table = new Table().Border(TableBorder.Rounded).Expand()
            .AddColumns("Resource", "Type", "State", "PID", "Endpoint", "Restarts");
        foreach (var r in resources)
        {
            table.AddRow(
                new Markup($"[{ColorOf(r.Name)}]{Markup.Escape(r.Name)}[/]"),
                new Text(r.Type),
                new Markup(StateMarkup(r.State)),
                new Text(r.Pid?.ToString(CultureInfo.InvariantCulture) ?? ""),
                new Text(r.Endpoint ?? ""),
                new Text(r.Restarts.ToString(CultureInfo.InvariantCulture)));
        }

        var width = Math.Max(40, SafeConsole(() => System.Console.WindowWidth, 120) - 1);
        var height = SafeConsole(() => System.Console.WindowHeight, 40);
        var urls = resources.Where(r => r.State == ResourceState.Running && ConsoleView.IsPublicEndpoint(r))
            .Select(r => $"{Markup.Escape(r.Name)}: [link]{Markup.Escape(r.Endpoint!)}[/]");
        List<IRenderable> rows =
        [
            new Markup($"[bold]Reports AppHost[/]  {string.Join("  ", urls)}  [grey]Ctrl+C stops everything[/]"),
            table,
            new Rule("[grey]output[/]").LeftJustified(),
        ];
        var room = Math.Max(5, height - resources.Count - 9);
        foreach (var line in _logs.Tail(room))
        {
            var text = LogText.Clean(line.Text);
            var prefix = $"[{line.Resource}] ";
            if (prefix.Length + text.Length > width)
            {
                text = text[..Math.Max(0, width - prefix.Length - 1)] + "…";
            }

            rows.Add(new Markup($"[{ColorOf(line.Resource)}]{Markup.Escape(prefix)}[/]{Markup.Escape(text)}"));
        }

        return new Rows(rows);
    }

    private static string StateMarkup(ResourceState state) => state switch
    {
        ResourceState.Running => "[green]Running[/]",
        ResourceState.Finished => "[green]Finished[/]",
        ResourceState.Failed => "[red bold]Failed[/]",
        ResourceState.Restarting => "[red]Restarting[/]",
        ResourceState.Starting or ResourceState.Waiting => $"[yellow]{state}[/]",
        _ => $"[grey]{state}[/]",
    };

    private static string ColorOf(string resource) =>
        resource == ResourceLogs.AppHost ? "bold" : Palette[(int)((uint)StableHash(resource) % (uint)Palette.Length)];

    private static int StableHash(string text) => text.Aggregate(17, (hash, c) => unchecked((hash * 31) + c));

    private static int SafeConsole(Func<int> read, int fallback)
    {
        try
        {
            var value = read();
            return value > 0 ? value : fallback;
        }
        catch (IOException)
        {
            return fallback;
        }
    }
}
