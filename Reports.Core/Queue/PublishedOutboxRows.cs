using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Reports.Core.Queue;

/// <summary>
/// Deletes the outbox rows of jobs just published, by row id (a job may have a newer row, from a release or a replay,
/// that is not published yet), as many per statement as have gathered while the previous one ran,
/// off the path of the request that published them. A row whose delete is lost (the process stopped first, PostgreSQL
/// was away) is published once more by the relay after its look-back, and the duplicate message is dropped at claim.
/// </summary>
public sealed partial class PublishedOutboxRows(NpgsqlDataSource dataSource, ILogger<PublishedOutboxRows> logger)
{
    private const int MaxBatch = 1000;
    private static readonly TimeSpan FinalFlushTimeout = TimeSpan.FromSeconds(2);
    private readonly Channel<long> _published = Channel.CreateUnbounded<long>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>This outbox row's message is on its stream: the row can go.</summary>
    public void Add(long outboxRowId) => _published.Writer.TryWrite(outboxRowId);

    /// <summary>Deletes rows as they are added until stopped, then those still waiting.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var batch = new List<long>(MaxBatch);
        try
        {
            while (await _published.Reader.WaitToReadAsync(stoppingToken))
            {
                await DeleteWaitingAsync(batch, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            using var deadline = new CancellationTokenSource(FinalFlushTimeout);
            await DeleteWaitingAsync(batch, deadline.Token);
        }
    }

    private async Task DeleteWaitingAsync(List<long> batch, CancellationToken cancellationToken)
    {
        while (batch.Count < MaxBatch && _published.Reader.TryRead(out var id))
        {
            batch.Add(id);
        }

        if (batch.Count == 0)
        {
            return;
        }

        try
        {
            await using var delete = dataSource.CreateCommand("DELETE FROM reports.outbox WHERE id = ANY(@ids)");
            delete.Parameters.AddWithValue("ids", batch.ToArray());
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or OperationCanceledException)
        {
            LogNotDeleted(logger, batch.Count, e.Message);
        }

        batch.Clear();
    }

    [LoggerMessage(LogLevel.Warning, "{Count} published outbox rows not deleted ({Error}); the relay publishes them once more")]
    private static partial void LogNotDeleted(ILogger logger, int count, string error);
}

/// <summary>Runs <see cref="PublishedOutboxRows"/> in a host.</summary>
internal sealed class PublishedOutboxCleanup(PublishedOutboxRows rows) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => rows.RunAsync(stoppingToken);
}
