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
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(1);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(Limit);
        var located = Located();
        var errors = new List<CatalogError>();
        foreach (var reports in catalog.All.Where(r => r.Query is not null && sources.Contains(r.Source)).GroupBy(r => r.Source))
        {
            var source = sources.Get(reports.Key);
            try
            {
                var entries = reports.Select(r => located.TryGetValue(r.Name, out var entry) && entry.Definition.Version == r.Version
                    ? entry with { Definition = r }
                    : CatalogEntry.Unlocated(r));
                errors.AddRange(await CatalogDatabaseCheck.CheckAsync(source.DataSource, source.Dialect, entries, limit.Token));
            }
            catch (Exception e) when (e is DbException or TimeoutException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                logger.LogWarning(e, "Source {Source} could not be reached at start: its reports ({Reports}) were not described on it",
                    source.Name, string.Join(", ", reports.Select(r => r.Name)));
            }
        }

        if (errors.Count > 0)
        {
            throw new CatalogFilesException(errors);
        }
    }

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
