using Npgsql;
using Reports.Core.Jobs;

namespace Reports.Core.Storage;

/// <summary>One attempt of a job: the worker that ran it, when, and how it ended (null while it runs).</summary>
public sealed record JobAttempt(
    int Attempt, string? Worker, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, string? Outcome, string? ErrorCode, string? Error, long? RowsWritten);

/// <summary>Everything an operator needs to see why a job is where it is.</summary>
public sealed record JobDetail
{
    public required ReportJob Job { get; init; }
    public string? LeaseOwner { get; init; }
    public DateTimeOffset? LeaseExpiresAt { get; init; }
    public DateTimeOffset? NextAttemptAt { get; init; }
    public required IReadOnlyList<JobAttempt> Attempts { get; init; }
}

/// <summary>A job with its lease and its attempts (recorded by the <c>job_attempts</c> trigger), for the operations page.</summary>
public sealed class JobDetailQuery(NpgsqlDataSource dataSource, JobStore store)
{
    public async Task<JobDetail?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        var job = await store.GetAsync(id, owner: null, cancellationToken);
        if (job is null)
        {
            return null;
        }

        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT lease_owner, lease_expires_at, next_attempt_at FROM reports.jobs WHERE id = $1")
        {
            Parameters = { new() { Value = id } },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            SELECT attempt, worker, started_at, ended_at, outcome, error_code, error, rows_written
            FROM reports.job_attempts WHERE job_id = $1 ORDER BY attempt
            """)
        {
            Parameters = { new() { Value = id } },
        });
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        string? leaseOwner = null;
        DateTimeOffset? leaseExpiresAt = null, nextAttemptAt = null;
        if (await reader.ReadAsync(cancellationToken))
        {
            leaseOwner = reader.IsDBNull(0) ? null : reader.GetString(0);
            leaseExpiresAt = reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1);
            nextAttemptAt = reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2);
        }

        await reader.NextResultAsync(cancellationToken);
        var attempts = new List<JobAttempt>();
        while (await reader.ReadAsync(cancellationToken))
        {
            attempts.Add(new JobAttempt(reader.GetInt32(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2),
                reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetInt64(7)));
        }

        return new JobDetail { Job = job, LeaseOwner = leaseOwner, LeaseExpiresAt = leaseExpiresAt, NextAttemptAt = nextAttemptAt, Attempts = attempts };
    }
}
