using Npgsql;

namespace Reports.Core.Storage;

/// <summary>A queue's jobs as PostgreSQL knows them: waiting, running, and finished in the last minute.</summary>
public sealed record QueueJobCounts(
    string Queue, long Queued, long Running, long Retrying, DateTimeOffset? OldestQueuedAt, long SucceededLastMinute, long FailedLastMinute);

/// <summary>Jobs created, and jobs that reached each final state, within one bucket of time.</summary>
public sealed record StateBucket(DateTimeOffset Start, long Created, long Succeeded, long Failed, long Cancelled);

/// <summary>A job a worker holds right now.</summary>
public sealed record HeldJob(Guid Id, string Worker, string ReportType, string Format, long RowsWritten, long? RowsTotal);

/// <summary>The read-only figures of the operations page, straight from the jobs table (the source of truth).</summary>
public sealed class OpsQueries(NpgsqlDataSource dataSource, TimeProvider time)
{
    public async Task<IReadOnlyList<QueueJobCounts>> QueueCountsAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT queue,
                   count(*) FILTER (WHERE status = 'queued'),
                   count(*) FILTER (WHERE status IN ('running', 'cancelling')),
                   count(*) FILTER (WHERE status = 'retrying'),
                   min(updated_at) FILTER (WHERE status = 'queued'),
                   count(*) FILTER (WHERE status = 'succeeded' AND finished_at > @minute_ago),
                   count(*) FILTER (WHERE status = 'failed' AND finished_at > @minute_ago)
            FROM reports.jobs
            WHERE status IN ('queued', 'running', 'cancelling', 'retrying') OR finished_at > @minute_ago
            GROUP BY queue
            """);
        command.Parameters.AddWithValue("minute_ago", time.GetUtcNow().AddMinutes(-1));
        var counts = new List<QueueJobCounts>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            counts.Add(new QueueJobCounts(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3),
                reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4), reader.GetInt64(5), reader.GetInt64(6)));
        }

        return counts;
    }

    /// <summary>Counts per bucket over the last <paramref name="window"/>, oldest first, every bucket present (zeros included).</summary>
    public async Task<IReadOnlyList<StateBucket>> HistoryAsync(TimeSpan window, TimeSpan bucket, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            WITH buckets AS (
                SELECT generate_series(0, @count - 1) AS n),
            events AS (
                SELECT created_at AS at, 'created' AS kind FROM reports.jobs WHERE created_at >= @start
                UNION ALL
                SELECT finished_at, status FROM reports.jobs
                WHERE finished_at >= @start AND status IN ('succeeded', 'failed', 'cancelled'))
            SELECT b.n,
                   count(*) FILTER (WHERE e.kind = 'created'),
                   count(*) FILTER (WHERE e.kind = 'succeeded'),
                   count(*) FILTER (WHERE e.kind = 'failed'),
                   count(*) FILTER (WHERE e.kind = 'cancelled')
            FROM buckets b
            LEFT JOIN events e ON floor(extract(epoch FROM e.at - @start) / @bucket_seconds) = b.n
            GROUP BY b.n ORDER BY b.n
            """);
        var count = (int)Math.Ceiling(window / bucket);
        var now = time.GetUtcNow();
        var start = DateTimeOffset.FromUnixTimeSeconds(
            ((now.ToUnixTimeSeconds() / (long)bucket.TotalSeconds) + 1 - count) * (long)bucket.TotalSeconds);
        command.Parameters.AddWithValue("count", count);
        command.Parameters.AddWithValue("start", start);
        command.Parameters.AddWithValue("bucket_seconds", bucket.TotalSeconds);
        var buckets = new List<StateBucket>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            buckets.Add(new StateBucket(start + (bucket * reader.GetInt32(0)),
                reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4)));
        }

        return buckets;
    }

    /// <summary>Every job a worker holds now (running, or cancelling until it stops), by the worker holding its lease.</summary>
    public async Task<IReadOnlyList<HeldJob>> HeldJobsAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT id, lease_owner, report_type, format, rows_written, rows_total FROM reports.jobs
            WHERE status IN ('running', 'cancelling') AND lease_owner IS NOT NULL
            ORDER BY started_at
            """);
        var jobs = new List<HeldJob>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            jobs.Add(new HeldJob(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt64(4),
                reader.IsDBNull(5) ? null : reader.GetInt64(5)));
        }

        return jobs;
    }
}
