using System.Data.Common;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Reports.Core.Catalog;
using Reports.Core.Jobs;
using Reports.Core.Sources.Dialects;
using Reports.Core.Telemetry;
using StackExchange.Redis;

namespace Reports.Core.Sources;

/// <summary>
/// What a generator needs of a report's data source: a connection from the source's own pool, and a query slot
/// under the source's cap (<see cref="SourceOptions.MaxConcurrentQueries"/>) for each query it runs.
/// </summary>
public sealed partial class SourceConnections(ReportSources sources, SourceQuerySlots? slots, ILogger<SourceConnections> logger)
{
    /// <summary>A slot outlives its query's statement timeout by this much, for the query's rows still in flight.</summary>
    private static readonly TimeSpan LeaseMargin = TimeSpan.FromSeconds(30);

    /// <summary>A connection from the report's source, inside a read-only transaction (rolled back when it closes).</summary>
    public async Task<DbConnection> OpenAsync(ReportDefinition report, CancellationToken cancellationToken)
    {
        var source = Source(report);
        var connection = await source.DataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await source.Dialect.BeginReadOnlyAsync(connection, cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>How many queries the report's source runs at once across all workers (its cap).</summary>
    public int MaxConcurrentQueries(ReportDefinition report) => Source(report).Options.MaxConcurrentQueries;

    /// <summary>How the engine's own SQL is written for the report's source.</summary>
    public SqlDialect Dialect(ReportDefinition report) => Source(report).Dialect;

    /// <summary>
    /// Waits for one of the report's source's query slots; disposing the result gives it back. When Redis cannot be
    /// asked (down, restarting) the query runs without a slot, logged and counted: the running reports go on, bounded by
    /// the workers' own job slots, rather than fail an attempt each for an outage of the semaphore. The extra readers of a
    /// partitioned report (<paramref name="leaveOneFree"/>) never take the source's last slot: a report read whole, or the
    /// first partition of one, always finds it, so partitioned reports cannot starve the others.
    /// </summary>
    public async Task<IAsyncDisposable> QuerySlotAsync(ReportDefinition report, bool leaveOneFree, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (slots is null)
        {
            return NoSlot.Instance;
        }

        var source = sources.Get(report.Source);
        var tag = new KeyValuePair<string, object?>("source", source.Name);
        var started = Stopwatch.GetTimestamp();
        ReportsMetrics.SourceQueriesWaiting.Add(1, tag);
        try
        {
            var cap = leaveOneFree && source.Options.MaxConcurrentQueries > 1 ? source.Options.MaxConcurrentQueries - 1 : source.Options.MaxConcurrentQueries;
            var slot = await slots.WaitAsync(source.Name, cap, source.Options.StatementTimeout + LeaseMargin, cancellationToken);
            return new RunningQuery(slot, tag);
        }
        catch (Exception e) when (e is RedisConnectionException or RedisTimeoutException && !cancellationToken.IsCancellationRequested)
        {
            // Only when Redis cannot be reached: a server's refusal (READONLY, NOPERM, OOM) fails the query instead.
            ReportsMetrics.SourceSlotsBypassed.Add(1, tag);
            LogSlotBypassed(logger, source.Name, e.Message);
            return new RunningQuery(NoSlot.Instance, tag);
        }
        finally
        {
            ReportsMetrics.SourceQueriesWaiting.Add(-1, tag);
            var waited = Stopwatch.GetElapsedTime(started);
            ReportsMetrics.SourceSlotWait.Record(waited.TotalSeconds, tag);
            SlotWaitTime.Add(waited);
        }
    }

    /// <summary>Runs one query of <paramref name="report"/> under one of its source's query slots.</summary>
    public async Task<T> UnderSlotAsync<T>(ReportDefinition report, Func<Task<T>> query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var slot = await QuerySlotAsync(report, leaveOneFree: false, cancellationToken);
        return await query();
    }

    /// <summary>
    /// A statement of the report's source that ran past the source's statement timeout, as a permanent failure naming the
    /// source and its setting (the same page would time out again, and every retry would load the source once more);
    /// null for any other error.
    /// </summary>
    public ReportDefinitionException? StatementTimedOut(ReportDefinition report, Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var source = Source(report);
        // Not under a cancellation: a cancelled query surfaces as the same server error, wrapped in OperationCanceledException.
        for (var e = error; e is not null and not OperationCanceledException; e = e.InnerException)
        {
            if (source.Dialect.IsStatementTimeout(e))
            {
                return new ReportDefinitionException(
                    $"A query of '{report.Name}' ran past the statement timeout of source '{source.Name}' ({source.Options.StatementTimeout}, " +
                    $"{SourceOptions.Section}:{source.Name}:StatementTimeout): narrow the parameters, index the report's keys, or raise the timeout.",
                    JobError.Timeout);
            }
        }

        return null;
    }

    /// <summary>Why <paramref name="report"/> cannot be generated from the configured sources, or null when it can.</summary>
    public string? Problem(ReportDefinition report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return sources.Contains(report.Source)
            ? null
            : $"Report '{report.Name}' reads source '{report.Source}', which is not configured " +
              $"(ConnectionStrings:{report.Source} and {SourceOptions.Section}:{report.Source}).";
    }

    private ReportSource Source(ReportDefinition report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return sources.Contains(report.Source) ? sources.Get(report.Source) : throw new ReportDefinitionException(Problem(report)!);
    }

    [LoggerMessage(LogLevel.Warning, "Source {Source}: a report query runs without a slot under the source's cap, Redis could not be asked: {Error}")]
    private static partial void LogSlotBypassed(ILogger logger, string source, string error);

    /// <summary>A query counted as running on its source from its slot's taking until its giving back (once).</summary>
    private sealed class RunningQuery : IAsyncDisposable
    {
        private readonly IAsyncDisposable _slot;
        private readonly KeyValuePair<string, object?> _source;
        private int _disposed;

        public RunningQuery(IAsyncDisposable slot, KeyValuePair<string, object?> source)
        {
            (_slot, _source) = (slot, source);
            ReportsMetrics.SourceQueriesRunning.Add(1, source);
        }

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                ReportsMetrics.SourceQueriesRunning.Add(-1, _source);
                await _slot.DisposeAsync();
            }
        }
    }

    private sealed class NoSlot : IAsyncDisposable
    {
        public static readonly NoSlot Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
