using Npgsql;

namespace Reports.Chaos;

/// <summary>What PostgreSQL's jobs and job_attempts say of the run's reports once they are all final.</summary>
internal sealed record JobFigures(int Released, int AttemptsMax, int LongerThanLease, IReadOnlyList<Guid> SucceededTwice, IReadOnlyList<Guid> DeadLetteredByHandOvers)
{
    public static async Task<JobFigures> ReadAsync(NpgsqlDataSource database, IReadOnlyCollection<Guid> ids, TimeSpan lease, CancellationToken cancellationToken)
    {
        // Longer than the lease: a succeeded attempt that ran for more than a lease (its heartbeats held the job).
        // Failures are the attempts that did not end in a hand-over (released: SIGTERM, or storage lost the blocks).
        await using var command = database.CreateCommand("""
            SELECT j.id, j.released, j.attempt - j.released,
                   count(*) FILTER (WHERE a.outcome = 'succeeded' AND a.ended_at - a.started_at > $2),
                   count(*) FILTER (WHERE a.outcome = 'succeeded'),
                   j.status = 'failed' AND j.error_code = 'attempts_exhausted'
                       AND count(*) FILTER (WHERE a.outcome IS DISTINCT FROM 'released') < j.max_attempts
            FROM reports.jobs j LEFT JOIN reports.job_attempts a ON a.job_id = j.id
            WHERE j.id = ANY($1)
            GROUP BY j.id
            """);
        command.Parameters.AddWithValue(ids.ToArray());
        command.Parameters.AddWithValue(lease);
        int released = 0, attemptsMax = 0, longerThanLease = 0;
        List<Guid> succeededTwice = [], deadLettered = [];
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            released += reader.GetInt32(1);
            attemptsMax = Math.Max(attemptsMax, reader.GetInt32(2));
            longerThanLease += reader.GetInt64(3) > 0 ? 1 : 0;
            if (reader.GetInt64(4) > 1)
            {
                succeededTwice.Add(reader.GetGuid(0));
            }

            if (reader.GetBoolean(5))
            {
                deadLettered.Add(reader.GetGuid(0));
            }
        }

        return new JobFigures(released, attemptsMax, longerThanLease, succeededTwice, deadLettered);
    }
}
