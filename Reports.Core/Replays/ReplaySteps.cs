using Npgsql;
using Reports.Core.Storage;

namespace Reports.Core.Replays;

/// <summary>A runner's hold on a replay: the fence is bumped by every claim, so a runner that lost the replay changes nothing.</summary>
public sealed record ReplayClaim(Guid Id, string Kind, long Fence, string Runner);

/// <summary>One step of a replay: the jobs it put on the outbox (to publish now), its counts, and whether the replay goes on.</summary>
public sealed record ReplayStep(IReadOnlyList<OutboxEntry> Queued, int Replayed, int Skipped, int Failed, bool Completed, bool Lost)
{
    public int Processed => Replayed + Skipped + Failed;
}

/// <summary>A new job's outbox row, to publish right after the step commits (the relay publishes it otherwise).</summary>
public sealed record OutboxEntry(Guid JobId, long OutboxRowId, string Queue, string? TraceParent);

/// <summary>
/// The runner's side of replays: claim one under a lease, then steps of a bounded number of members, each one
/// transaction that holds the replay's row and checks the fence first. Every member is replayed at most once: a dead
/// letter becomes at most one new job (the conditional mark <c>replayed_as</c>, then the unique <c>replay_of</c>), a delivery is made pending only from failed.
/// </summary>
public sealed class ReplaySteps(NpgsqlDataSource dataSource, TimeProvider time)
{
    /// <summary>
    /// Takes a running replay that no live runner holds, provided no other replay of its kind is held by a runner: one
    /// replay of each kind runs at a time across every worker, so <see cref="ReplayOptions.JobsPerSecond"/> bounds them all
    /// (two admins replaying at once do not double the rate); the others wait their turn. Replays not held by backpressure
    /// come first, oldest first; a held one (<c>held_since</c>, let go by its runner) after them, so a queue that is backed
    /// up never keeps replays into other queues waiting. Null when there is none to take. Claims are serialised by a
    /// transaction-scoped advisory lock, so two runners never both see "none running".
    /// </summary>
    public async Task<ReplayClaim?> ClaimAsync(string runner, TimeSpan lease, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var serialise = new NpgsqlCommand(
            "SELECT pg_advisory_xact_lock(hashtextextended('reports.replays:claim', 0))", connection, transaction))
        {
            await serialise.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var command = new NpgsqlCommand("""
            UPDATE reports.replays SET lease_owner = @runner, lease_expires_at = @now + @lease, fence = fence + 1
            WHERE id = (SELECT r.id FROM reports.replays AS r
                        WHERE r.status = 'running' AND (r.lease_owner IS NULL OR r.lease_expires_at < @now)
                          AND NOT EXISTS (SELECT 1 FROM reports.replays AS other
                                          WHERE other.kind = r.kind AND other.status = 'running' AND other.id <> r.id
                                            AND other.lease_owner IS NOT NULL AND other.lease_expires_at >= @now)
                        ORDER BY r.held_since IS NOT NULL, r.created_at, r.id LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING id, kind, fence
            """, connection, transaction);
        command.Parameters.AddWithValue("runner", runner);
        command.Parameters.AddWithValue("lease", lease);
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        ReplayClaim? claim = null;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                claim = new ReplayClaim(reader.GetGuid(0), reader.GetString(1), reader.GetInt64(2), runner);
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return claim;
    }

    /// <summary>Lets a replay go (the runner stops): another runner may take it at once.</summary>
    public async Task ReleaseAsync(ReplayClaim claim, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE reports.replays SET lease_owner = NULL, lease_expires_at = NULL WHERE id = @id AND fence = @fence");
        command.Parameters.AddWithValue("id", claim.Id);
        command.Parameters.AddWithValue("fence", claim.Fence);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Backpressure: marks the replay held (since the first time) and lets it go, fenced, so runners turn to replays that
    /// are not held and come back to this one after them. One paused or cancelled meanwhile is only let go.
    /// </summary>
    public async Task HoldAsync(ReplayClaim claim, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE reports.replays
            SET held_since = CASE WHEN status = 'running' THEN COALESCE(held_since, @now) END, lease_owner = NULL, lease_expires_at = NULL
            WHERE id = @id AND fence = @fence
            """);
        command.Parameters.AddWithValue("id", claim.Id);
        command.Parameters.AddWithValue("fence", claim.Fence);
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Jobs queued (or waiting for their window) on the queues of a replay's dead letters (its next <paramref name="size"/>), counted up to
    /// <paramref name="limit"/>: the backpressure that keeps a replay from burying new reports.
    /// </summary>
    public async Task<int> QueuedAheadAsync(ReplayClaim claim, int size, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT count(*) FROM (
                SELECT 1 FROM reports.jobs
                WHERE status IN ('queued', 'waiting') AND queue IN (
                    SELECT DISTINCT j.queue FROM (SELECT item_id FROM reports.replay_items
                                                  WHERE replay_id = @id AND outcome IS NULL ORDER BY position LIMIT @size) AS next
                    JOIN reports.jobs AS j ON j.id = next.item_id)
                LIMIT @limit) AS waiting
            """);
        command.Parameters.AddWithValue("id", claim.Id);
        command.Parameters.AddWithValue("size", size);
        command.Parameters.AddWithValue("limit", limit);
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Replays the next <paramref name="size"/> members in order. Dead letters of a type in <paramref name="budgets"/>
    /// (the catalog's attempt budget and definition version per type) become new jobs, which run that version; the others fail. Lost when the fence moved or the replay
    /// is no longer running (paused, cancelled): then nothing changes.
    /// </summary>
    public async Task<ReplayStep> StepAsync(
        ReplayClaim claim, int size, IReadOnlyDictionary<string, ReplayBudget> budgets, TimeSpan lease, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var hold = new NpgsqlCommand(
            "SELECT 1 FROM reports.replays WHERE id = @id AND fence = @fence AND status = 'running' FOR UPDATE", connection, transaction))
        {
            hold.Parameters.AddWithValue("id", claim.Id);
            hold.Parameters.AddWithValue("fence", claim.Fence);
            if (await hold.ExecuteScalarAsync(cancellationToken) is null)
            {
                return new ReplayStep([], 0, 0, 0, Completed: false, Lost: true);
            }
        }

        await using var step = new NpgsqlCommand(claim.Kind == ReplayKind.Jobs ? JobsStep : DeliveriesStep, connection, transaction);
        step.Parameters.AddWithValue("replay", claim.Id);
        step.Parameters.AddWithValue("size", size);
        step.Parameters.AddWithValue("now", now);
        step.Parameters.AddWithValue("types", budgets.Keys.ToArray());
        step.Parameters.AddWithValue("attempts", budgets.Values.Select(b => b.Attempts).ToArray());
        step.Parameters.AddWithValue("versions", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text,
            budgets.Values.Select(b => (object?)b.Version ?? DBNull.Value).ToArray());
        var queued = new List<OutboxEntry>();
        int replayed = 0, skipped = 0, failed = 0;
        await using (var reader = await step.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                switch (reader.GetString(0))
                {
                    case ReplayOutcome.Replayed:
                        replayed++;
                        if (!reader.IsDBNull(2))
                        {
                            queued.Add(new OutboxEntry(reader.GetGuid(1), reader.GetInt64(2), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4)));
                        }

                        break;
                    case ReplayOutcome.Skipped:
                        skipped++;
                        break;
                    default:
                        failed++;
                        break;
                }
            }
        }

        await using var progress = new NpgsqlCommand("""
            UPDATE reports.replays
            SET replayed = replayed + @replayed, skipped = skipped + @skipped, failed = failed + @failed,
                lease_expires_at = @now + @lease, updated_at = @now, held_since = NULL,
                status = CASE WHEN pending.any THEN status ELSE 'completed' END,
                finished_at = CASE WHEN pending.any THEN NULL ELSE @now END
            FROM (SELECT EXISTS (SELECT 1 FROM reports.replay_items WHERE replay_id = @id AND outcome IS NULL) AS any) AS pending
            WHERE id = @id
            RETURNING status
            """, connection, transaction);
        progress.Parameters.AddWithValue("id", claim.Id);
        progress.Parameters.AddWithValue("replayed", replayed);
        progress.Parameters.AddWithValue("skipped", skipped);
        progress.Parameters.AddWithValue("failed", failed);
        progress.Parameters.AddWithValue("lease", lease);
        progress.Parameters.AddWithValue("now", now);
        var status = (string)(await progress.ExecuteScalarAsync(cancellationToken))!;
        await transaction.CommitAsync(cancellationToken);
        return new ReplayStep(queued, replayed, skipped, failed, Completed: status == ReplayStatus.Completed, Lost: false);
    }

    /// <summary>A dead letter, found by id: not through jobs_dead_letters (<see cref="KeyLookup"/>).</summary>
    private static readonly string Failed = KeyLookup.Where("j.status = 'failed'");

    /// <summary>
    /// The next members of a replay of dead letters: each still failed, of a known type and not replayed before is taken
    /// with a conditional UPDATE (failed, replayed_as null → replayed_as = the new job's id) and only then becomes a new
    /// queued job linked to it (with its outbox row). The row lock of that UPDATE is what a concurrent one-job retry (failed
    /// → queued) or another replay waits on: whichever commits first takes the dead letter, the other finds it taken. The
    /// unique index on replay_of stays as a second line. One row per member: outcome, new job, outbox row, queue, trace.
    /// </summary>
    private static readonly string JobsStep = $"""
        WITH batch AS (
            SELECT position, item_id FROM reports.replay_items
            WHERE replay_id = @replay AND outcome IS NULL ORDER BY position LIMIT @size),
        budgets AS (SELECT * FROM unnest(@types::text[], @attempts::integer[], @versions::text[]) AS b(report_type, attempts, version)),
        originals AS (
            SELECT b.position, j.id, budgets.attempts AS budget, budgets.version
            FROM batch AS b JOIN reports.jobs AS j ON j.id = b.item_id AND {Failed} AND j.replayed_as IS NULL
            LEFT JOIN budgets ON budgets.report_type = j.report_type),
        taken AS (
            UPDATE reports.jobs AS j SET replayed_as = gen_random_uuid()
            FROM originals AS o
            WHERE j.id = o.id AND o.budget IS NOT NULL AND {Failed} AND j.replayed_as IS NULL
            RETURNING o.position, o.budget, o.version, j.id, j.replayed_as, j.owner, j.report_type, j.format, j.parameters, j.parameters_hash,
                      j.queue, j.trace_parent, j.webhook_url, j.email_recipients),
        copied AS (
            INSERT INTO reports.jobs (id, owner, report_type, format, parameters, parameters_hash, queue, status, max_attempts,
                                      trace_parent, webhook_url, email_recipients, created_at, updated_at, replay_of, definition_version)
            SELECT t.replayed_as, t.owner, t.report_type, t.format, t.parameters, t.parameters_hash, t.queue, 'queued', t.budget,
                   t.trace_parent, t.webhook_url, t.email_recipients, @now, @now, t.id, t.version
            FROM taken AS t ORDER BY t.position
            ON CONFLICT (replay_of) WHERE replay_of IS NOT NULL DO NOTHING
            RETURNING id, replay_of, queue, trace_parent),
        queued AS (
            INSERT INTO reports.outbox (job_id, queue, trace_parent) SELECT id, queue, trace_parent FROM copied RETURNING id, job_id),
        marked AS (
            UPDATE reports.replay_items AS i
            SET outcome = CASE WHEN c.id IS NOT NULL THEN 'replayed'
                               WHEN o.id IS NOT NULL AND o.budget IS NULL THEN 'failed'
                               ELSE 'skipped' END,
                replayed_as = c.id, done_at = @now
            FROM batch AS b LEFT JOIN copied AS c ON c.replay_of = b.item_id LEFT JOIN originals AS o ON o.position = b.position
            WHERE i.replay_id = @replay AND i.position = b.position
            RETURNING i.position, i.outcome, i.replayed_as)
        SELECT m.outcome, m.replayed_as, q.id, c.queue, c.trace_parent
        FROM marked AS m LEFT JOIN queued AS q ON q.job_id = m.replayed_as LEFT JOIN copied AS c ON c.id = m.replayed_as
        ORDER BY m.position
        """;

    /// <summary>
    /// The next members of a replay of webhook deliveries: each still failed is pending again now under its own id (the
    /// dispatcher sends it, signed at send time); any other is skipped. Same row shape as <see cref="JobsStep"/>.
    /// </summary>
    private const string DeliveriesStep = $"""
        WITH batch AS (
            SELECT position, item_id FROM reports.replay_items
            WHERE replay_id = @replay AND outcome IS NULL ORDER BY position LIMIT @size),
        reset AS (
            UPDATE reports.webhook_deliveries AS d SET {WebhookDeliveryStore.ReplaySet}
            FROM batch AS b WHERE d.id = b.item_id AND d.status = 'failed'
            RETURNING d.id),
        marked AS (
            UPDATE reports.replay_items AS i
            SET outcome = CASE WHEN r.id IS NOT NULL THEN 'replayed' ELSE 'skipped' END, done_at = @now
            FROM batch AS b LEFT JOIN reset AS r ON r.id = b.item_id
            WHERE i.replay_id = @replay AND i.position = b.position
            RETURNING i.position, i.outcome)
        SELECT m.outcome, NULL::uuid, NULL::bigint, NULL::text, NULL::text FROM marked AS m ORDER BY m.position
        """;
}
