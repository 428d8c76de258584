using Microsoft.Extensions.Logging;
using Npgsql;

namespace Reports.Core.Queue;

/// <summary>
/// Publishes outbox rows to their queues and deletes them. Rows are locked with SKIP LOCKED, so any number of relays
/// can run; a row is deleted only after its message is on the stream, so a crash in between publishes it twice at
/// worst, and the claim in PostgreSQL lets only one of the two run.
/// </summary>
public sealed class OutboxRelay(NpgsqlDataSource dataSource, RedisJobStreams queue, PublishedOutboxRows published, ILogger<OutboxRelay> logger)
{
    /// <summary>Publishes up to <paramref name="batch"/> rows older than <paramref name="minimumAge"/>; returns how many.</summary>
    public async Task<int> RelayAsync(TimeSpan minimumAge, int batch, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var rows = new List<(long Id, Guid JobId, string Queue, string? TraceParent)>();
        await using (var select = new NpgsqlCommand("""
            SELECT id, job_id, queue, trace_parent FROM reports.outbox
            WHERE created_at <= now() - @age
            ORDER BY id LIMIT @batch
            FOR UPDATE SKIP LOCKED
            """, connection, transaction))
        {
            select.Parameters.AddWithValue("age", minimumAge);
            select.Parameters.AddWithValue("batch", batch);
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add((reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
            }
        }

        // All at once: the client pipelines them, one round trip for the batch instead of one per row.
        await Task.WhenAll(rows.Select(row => queue.PublishAsync(row.Queue, row.JobId, row.TraceParent, cancellationToken)));

        if (rows.Count > 0)
        {
            await using var delete = new NpgsqlCommand("DELETE FROM reports.outbox WHERE id = ANY(@ids)", connection, transaction);
            delete.Parameters.AddWithValue("ids", rows.Select(r => r.Id).ToArray());
            await delete.ExecuteNonQueryAsync(cancellationToken);
            logger.LogInformation("Relayed {Count} jobs from the outbox", rows.Count);
        }

        await transaction.CommitAsync(cancellationToken);
        return rows.Count;
    }

    /// <summary>
    /// Publishes one job right after its transaction committed; its outbox row (<paramref name="outboxRowId"/>) is removed
    /// in a batch soon after. Only that row: a newer one of the same job (a release, a replay) still has to be published.
    /// </summary>
    public async Task PublishNowAsync(Guid jobId, long? outboxRowId, string queueName, string? traceParent, CancellationToken cancellationToken)
    {
        await queue.PublishAsync(queueName, jobId, traceParent, cancellationToken);
        if (outboxRowId is { } row)
        {
            published.Add(row);
        }
    }
}
