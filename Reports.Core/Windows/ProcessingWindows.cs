using System.Globalization;
using Microsoft.Extensions.Options;

namespace Reports.Core.Windows;

/// <summary>A window that is closed now: the jobs of its queue or report type wait until it opens.</summary>
public sealed record ClosedWindow(string Name, DateTimeOffset OpensAt, string Reason);

/// <summary>
/// The processing windows of <c>Reports:Windows</c>, one per queue or report type (a key names either). A job is held
/// back while the window of its queue or of its report type is closed.
/// </summary>
public sealed class ProcessingWindows
{
    private readonly IReadOnlyList<ProcessingWindow> _windows;

    public ProcessingWindows(IOptions<ProcessingWindowOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _windows = [.. options.Value.Windows.Select(w => ProcessingWindow.Parse(w.Key, w.Value).Window).OfType<ProcessingWindow>()];
    }

    public IReadOnlyList<ProcessingWindow> All => _windows;

    /// <summary>The windows closed at <paramref name="now"/>; empty (and cheap) when none is configured.</summary>
    public IReadOnlyList<ClosedWindow> ClosedAt(DateTimeOffset now)
    {
        if (_windows.Count == 0)
        {
            return [];
        }

        var closed = new List<ClosedWindow>();
        foreach (var window in _windows.Where(w => !w.IsOpen(now)))
        {
            var opens = window.OpensAt(now);
            var local = TimeZoneInfo.ConvertTime(opens, window.Zone).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
            closed.Add(new ClosedWindow(window.Name, opens, $"processing window opens at {local} ({window.Name}: {window.Text})"));
        }

        return closed;
    }
}

/// <summary>
/// <c>Reports:Windows:&lt;queue-or-report-type&gt;</c> = <c>"22:00-06:00 Europe/Berlin"</c>: the hours a queue or a report
/// type may start jobs. Read from configuration as a map; a window that does not parse stops the start.
/// </summary>
public sealed class ProcessingWindowOptions
{
    public const string SectionName = "Reports:Windows";

    public Dictionary<string, string> Windows { get; } = new(StringComparer.Ordinal);

    /// <summary>Every window's error, by name; empty when all parse.</summary>
    public IReadOnlyList<string> Errors() =>
        [.. Windows.Select(w => (w.Key, ProcessingWindow.Parse(w.Key, w.Value).Error))
            .Where(w => w.Error is not null).Select(w => $"{SectionName}:{w.Key}: {w.Error}")];
}

/// <summary>
/// Names every window that does not parse, or whose key is neither a queue nor a report type of the catalog (a typo
/// would otherwise hold back nothing, silently), so the start fails with the key and the reason.
/// </summary>
internal sealed class ProcessingWindowValidation(Catalog.ReportCatalog catalog) : IValidateOptions<ProcessingWindowOptions>
{
    public ValidateOptionsResult Validate(string? name, ProcessingWindowOptions options)
    {
        var queues = Queue.QueueNames.All.Concat(catalog.All.Select(r => r.Queue)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var types = catalog.All.Select(r => r.Name).ToList();
        var errors = options.Errors().Concat(options.Windows.Keys
            .Where(key => !queues.Contains(key, StringComparer.Ordinal) && !types.Contains(key, StringComparer.Ordinal))
            .Select(key => $"{ProcessingWindowOptions.SectionName}:{key}: no queue or report type is named '{key}' " +
                           $"(queues: {string.Join(", ", queues)}; report types: {string.Join(", ", types)})")).ToList();
        return errors.Count > 0 ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
    }
}
