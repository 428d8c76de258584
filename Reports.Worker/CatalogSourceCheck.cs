using System.Data.Common;
using Reports.Core.Catalog;
using Reports.Core.Catalog.Files;
using Reports.Core.Sources;

namespace Reports.Worker;

/// <summary>
/// At start, before any queue is read: every statement of every report is described on its source, as
/// <c>./reports catalog check</c> does, so a definition the source refuses (a column that is not there, a type that
/// does not match, a totals expression that does not parse) stops the start naming file, line and field, instead of
/// failing each job that uses it. A source that cannot be reached is logged and its reports left undescribed: one
/// replica down must not keep every worker down (its reports retry at run time, as before).
/// </summary>
internal sealed class CatalogSourceCheck(
    ReportCatalog catalog, ReportSources sources, IConfiguration configuration, ILogger<CatalogSourceCheck> logger) : IHostedService
{
    /// <summary>How long one source may take; the sources are checked side by side, so a slow one delays no other.</summary>
    private static readonly TimeSpan LimitPerSource = TimeSpan.FromMinutes(1);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var located = Located();
        var checks = catalog.All.Where(r => r.Query is not null && sources.Contains(r.Source)).GroupBy(r => r.Source)
            .Select(reports => CheckAsync(sources.Get(reports.Key), [.. reports.Select(r => Locate(r, located))], cancellationToken));
        var errors = (await Task.WhenAll(checks)).SelectMany(e => e).ToList();
        if (errors.Count > 0)
        {
            throw new CatalogFilesException(errors);
        }
    }

    private async Task<IReadOnlyList<CatalogError>> CheckAsync(ReportSource source, IReadOnlyList<CatalogEntry> entries, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(LimitPerSource);
        var reports = string.Join(", ", entries.Select(e => e.Definition.Name));
        try
        {
            return await CatalogDatabaseCheck.CheckAsync(source.DataSource, source.Dialect, entries, limit.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Source {Source} did not finish its check within {Limit} at start: its reports ({Reports}) were not all described on it",
                source.Name, LimitPerSource, reports);
        }
        catch (Exception e) when (e is DbException or TimeoutException)
        {
            logger.LogWarning(e, "Source {Source} could not be reached at start: its reports ({Reports}) were not described on it", source.Name, reports);
        }

        return [];
    }

    /// <summary>The report with its file's lines when the file holds this very version (else its errors name the report).</summary>
    private static CatalogEntry Locate(ReportDefinition report, Dictionary<string, CatalogEntry> located) =>
        located.TryGetValue(report.Name, out var entry) && entry.Definition.Version == report.Version
            ? entry with { Definition = report }
            : CatalogEntry.Unlocated(report);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The reports of the configured folder with their lines (the catalog itself keeps only the definitions).</summary>
    private Dictionary<string, CatalogEntry> Located()
    {
        try
        {
            return CatalogFiles.Read(CatalogFolder.Of(configuration)).Entries.ToDictionary(e => e.Definition.Name, StringComparer.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new Dictionary<string, CatalogEntry>(StringComparer.Ordinal); // errors then name the report instead of its file
        }
    }
}
