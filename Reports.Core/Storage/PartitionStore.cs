using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Reports.Core.Generation;
using Reports.Core.Generation.Partitions;
using Reports.Core.Jobs;

namespace Reports.Core.Storage;

/// <summary>
/// The partitions of large reports (<c>reports.report_partitions</c>), drawn by any worker of the job's queue. A claim
/// is a lease on one partition, fenced by its token: every write names the token, so a worker whose claim was taken
/// over (or given back) changes nothing. Claims and progress only go through while the job runs (a cancel, a failure or
/// a completion stops every partition at its next write), and the partitions are laid out only by the attempt that
/// holds the job. Locks are taken partition rows first, then the job's row, in every statement that takes both.
/// </summary>
public sealed class PartitionStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    private const string Claimed = "p.job_id = @job AND p.number = @number AND p.token = @token AND NOT p.done";
    private static readonly string JobRuns = $"EXISTS (SELECT 1 FROM reports.jobs j WHERE j.id = p.job_id AND {KeyLookup.Where("j.status = 'running'")})";

    /// <summary>
    /// Lays out the partitions of <paramref name="claim"/>'s file, replacing any earlier layout (and so the claims on it);
    /// none removes the layout. False when the attempt no longer holds the job.
    /// </summary>
    public async Task<bool> PlanAsync(ClaimedJob claim, IReadOnlyList<PartitionCheckpoint> partitions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        ArgumentNullException.ThrowIfNull(partitions);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var locks = new NpgsqlCommand($"""
            SELECT count(*) FROM (SELECT 1 FROM reports.report_partitions WHERE job_id = @job ORDER BY number FOR UPDATE) AS old;
            SELECT 1 FROM reports.jobs WHERE id = @job AND attempt = @attempt AND {KeyLookup.Where("status = 'running'")} FOR UPDATE;
            """, connection, transaction))
        {
            locks.Parameters.AddWithValue("job", claim.Id);
            locks.Parameters.AddWithValue("attempt", claim.Attempt);
            await using var reader = await locks.ExecuteReaderAsync(cancellationToken);
            await reader.NextResultAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return false;
            }
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        var forget = new NpgsqlBatchCommand("DELETE FROM reports.report_partitions WHERE job_id = @job");
        forget.Parameters.AddWithValue("job", claim.Id);
        batch.BatchCommands.Add(forget);
        var insert = new NpgsqlBatchCommand("""
            INSERT INTO reports.report_partitions (job_id, number, range_from, range_to, checkpoint)
            SELECT @job, number - 1, range_from, range_to, @start
            FROM unnest(@froms::text[], @tos::text[]) WITH ORDINALITY AS bounds (range_from, range_to, number)
            """);
        insert.Parameters.AddWithValue("job", claim.Id);
        insert.Parameters.AddWithValue("froms", partitions.Select(p => p.From).ToArray());
        insert.Parameters.AddWithValue("tos", partitions.Select(p => p.To).ToArray());
        insert.Parameters.AddWithValue("start", NpgsqlDbType.Jsonb, JsonSerializer.Serialize(GenerationCheckpoint.Start));
        batch.BatchCommands.Add(insert);
        await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// Claims the job's first partition that is neither done nor under a live lease, for <paramref name="lease"/>; null
    /// when there is none (or the job no longer runs). With <paramref name="stalledFor"/>, also one whose claim has not
    /// moved for that long (its holder waits, or is stuck): that claim is then refused at its next write. Partitions
    /// locked by a claim in flight are skipped, not waited for.
    /// </summary>
    public async Task<PartitionClaim?> ClaimAsync(
        Guid jobId, string workerId, TimeSpan lease, TimeSpan? stalledFor, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            WITH free AS (
                SELECT p.job_id, p.number FROM reports.report_partitions p
                WHERE p.job_id = @job AND NOT p.done
                  AND (p.lease_expires_at IS NULL OR p.lease_expires_at < @now
                       OR (@stalled::interval IS NOT NULL AND p.progressed_at < @now - @stalled::interval))
                  AND {JobRuns}
                ORDER BY p.number LIMIT 1
                FOR UPDATE OF p SKIP LOCKED),
            numbered AS (
                UPDATE reports.jobs SET partition_claims = partition_claims + 1
                WHERE id = @job AND EXISTS (SELECT 1 FROM free)
                RETURNING partition_claims)
            UPDATE reports.report_partitions p
            SET token = numbered.partition_claims, lease_owner = @worker, lease_expires_at = @now + @lease, progressed_at = @now
            FROM free, numbered
            WHERE p.job_id = free.job_id AND p.number = free.number
            RETURNING p.number, p.range_from, p.range_to, p.checkpoint::text, p.token
            """);
        command.Parameters.AddWithValue("job", jobId);
        command.Parameters.AddWithValue("worker", workerId);
        command.Parameters.AddWithValue("lease", lease);
        command.Parameters.AddWithValue("stalled", NpgsqlDbType.Interval, (object?)stalledFor ?? DBNull.Value);
        var now = time.GetUtcNow();
        command.Parameters.AddWithValue("now", now);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new PartitionClaim(jobId, reader.GetInt32(0), reader.GetInt32(4), workerId, Partition(reader)) { LeaseExpiresAt = now + lease };
    }

    /// <summary>Extends the claim's lease (the job's progress is left alone); false once it no longer holds the partition.</summary>
    public async Task<bool> RenewAsync(PartitionClaim claim, TimeSpan lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        await using var command = dataSource.CreateCommand($"""
            UPDATE reports.report_partitions p SET lease_expires_at = @now + @lease
            WHERE {Claimed} AND p.lease_owner IS NOT NULL AND {JobRuns}
            """);
        AddClaim(command, claim);
        command.Parameters.AddWithValue("lease", lease);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>
    /// The rows the claim has read so far, and the job's shown progress: the sum of its partitions' rows, which never
    /// moves back. False once the claim no longer holds the partition.
    /// </summary>
    public Task<bool> ReportRowsAsync(PartitionClaim claim, long rows, CancellationToken cancellationToken) =>
        ProgressAsync(claim, "rows_written = greatest(p.rows_written, @rows)", cancellationToken, ("rows", rows));

    /// <summary>A staged block's checkpoint; false once the claim no longer holds the partition.</summary>
    public Task<bool> CheckpointAsync(PartitionClaim claim, GenerationCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return ProgressAsync(claim, "checkpoint = @checkpoint, rows_written = greatest(p.rows_written, @rows)", cancellationToken,
            ("checkpoint", new JsonbText(JsonSerializer.Serialize(checkpoint))), ("rows", checkpoint.Rows));
    }

    /// <summary>The partition is read whole: its last checkpoint, done, by this worker. False once the claim no longer holds it.</summary>
    public Task<bool> FinishAsync(PartitionClaim claim, GenerationCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return ProgressAsync(claim, """
            checkpoint = @checkpoint, rows_written = greatest(p.rows_written, @rows), done = true, finished_by = lease_owner,
            lease_owner = NULL, lease_expires_at = NULL
            """, cancellationToken, ("checkpoint", new JsonbText(JsonSerializer.Serialize(checkpoint))), ("rows", checkpoint.Rows));
    }

    /// <summary>
    /// Gives the partition up at once, for another claim to take and resume from its checkpoint: whatever the job's state
    /// (the job's worker stopping hands the job back, and its partitions with it). The claim can write nothing after.
    /// </summary>
    public async Task<bool> ReleaseAsync(PartitionClaim claim, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        await using var command = dataSource.CreateCommand($"""
            UPDATE reports.report_partitions p SET lease_owner = NULL, lease_expires_at = NULL, token = 0
            WHERE {Claimed}
            """);
        AddClaim(command, claim);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>The job's partitions as they stand, in file order, with their claims (for the operations view); empty when it has none.</summary>
    public async Task<IReadOnlyList<PartitionState>> ReadAsync(Guid jobId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT number, range_from, range_to, checkpoint::text, done, finished_by, rows_written, lease_owner, lease_expires_at, progressed_at
            FROM reports.report_partitions WHERE job_id = @job ORDER BY number
            """);
        command.Parameters.AddWithValue("job", jobId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var partitions = new List<PartitionState>();
        while (await reader.ReadAsync(cancellationToken))
        {
            partitions.Add(new PartitionState(reader.GetInt32(0), Partition(reader), reader.GetBoolean(4), reader.IsDBNull(5) ? null : reader.GetString(5))
            {
                RowsWritten = reader.GetInt64(6),
                LeaseOwner = reader.IsDBNull(7) ? null : reader.GetString(7),
                LeaseExpiresAt = reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
                ProgressedAt = reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9),
            });
        }

        return partitions;
    }

    /// <summary>How long the partitions of a job that ended are kept, for an operator to see who read which.</summary>
    public static readonly TimeSpan KeptAfterEnd = TimeSpan.FromDays(1);

    /// <summary>
    /// Forgets the partitions of up to <paramref name="jobs"/> jobs that ended (their file is committed, or never will
    /// be) more than <see cref="KeptAfterEnd"/> ago; returns how many rows went.
    /// </summary>
    public async Task<int> ForgetEndedAsync(int jobs, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            DELETE FROM reports.report_partitions WHERE job_id IN (
                SELECT DISTINCT p.job_id FROM reports.report_partitions p JOIN reports.jobs j ON j.id = p.job_id
                WHERE j.status IN ('succeeded', 'failed', 'cancelled', 'expired') AND j.finished_at < @before
                LIMIT @jobs)
            """);
        command.Parameters.AddWithValue("jobs", jobs);
        command.Parameters.AddWithValue("before", time.GetUtcNow() - KeptAfterEnd);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// One fenced write of a claim's progress, and the job's in the same statement: its rows are the sum of its
    /// partitions' (those of the others as they stand, this one's as written), never less than shown before.
    /// </summary>
    private async Task<bool> ProgressAsync(PartitionClaim claim, string set, CancellationToken cancellationToken, params (string Name, object Value)[] values)
    {
        ArgumentNullException.ThrowIfNull(claim);
        await using var command = dataSource.CreateCommand($"""
            WITH changed AS (
                UPDATE reports.report_partitions p SET {set}, progressed_at = @now
                WHERE {Claimed} AND {JobRuns}
                RETURNING p.rows_written),
            progress AS (
                UPDATE reports.jobs SET updated_at = @now, rows_written = greatest(rows_written,
                    (SELECT rows_written FROM changed)
                    + (SELECT coalesce(sum(o.rows_written), 0) FROM reports.report_partitions o WHERE o.job_id = @job AND o.number <> @number))
                WHERE id = @job AND EXISTS (SELECT 1 FROM changed)
                RETURNING 1)
            SELECT count(*) FROM changed
            """);
        AddClaim(command, claim);
        CommandValues.Add(command, values);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))! == 1;
    }

    private void AddClaim(NpgsqlCommand command, PartitionClaim claim)
    {
        command.Parameters.AddWithValue("job", claim.JobId);
        command.Parameters.AddWithValue("number", claim.Number);
        command.Parameters.AddWithValue("token", claim.Token);
        command.Parameters.AddWithValue("now", time.GetUtcNow());
    }

    /// <summary>The range and checkpoint a row reads as columns 1–3 (<c>range_from, range_to, checkpoint::text</c>).</summary>
    private static PartitionCheckpoint Partition(NpgsqlDataReader reader) => new(
        reader.IsDBNull(1) ? null : reader.GetString(1),
        reader.IsDBNull(2) ? null : reader.GetString(2),
        JsonSerializer.Deserialize<GenerationCheckpoint>(reader.GetString(3)) ?? GenerationCheckpoint.Start);
}
