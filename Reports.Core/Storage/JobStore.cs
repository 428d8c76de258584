using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Reports.Core.Generation;
using Reports.Core.Jobs;

namespace Reports.Core.Storage;

/// <summary>
/// The jobs table, the source of truth. Every change a worker makes is a compare-and-set on the job's attempt
/// (the fencing token), so a worker that lost its lease changes nothing.
/// </summary>
public sealed class JobStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    /// <summary>
    /// A CTE that queues the webhook of each job in <c>changed</c> that has just become final, in the same statement as
    /// the change itself: the outbox of notifications, so none is lost and none is sent for a change that rolled back.
    /// </summary>
    private const string FinalEventDeliveries = """
        deliveries AS (
            INSERT INTO reports.webhook_deliveries (id, job_id, url, event, job_attempt)
            SELECT gen_random_uuid(), id, webhook_url, 'report.' || status, attempt FROM changed
            WHERE webhook_url IS NOT NULL AND status IN ('succeeded', 'failed', 'cancelled')
            ON CONFLICT ON CONSTRAINT webhook_deliveries_once DO NOTHING),
        notified AS (
            INSERT INTO reports.notifications (id, owner, job_id, job_attempt, event, channel, recipient, status)
            SELECT gen_random_uuid(), owner, id, attempt, 'report.' || status, 'in-app', '', 'unread' FROM changed
            WHERE status IN ('succeeded', 'failed', 'cancelled')
            UNION ALL
            SELECT gen_random_uuid(), owner, id, attempt, 'report.' || status, 'email', recipient, 'pending'
            FROM changed CROSS JOIN LATERAL unnest(email_recipients) AS recipient
            WHERE status IN ('succeeded', 'failed', 'cancelled')
            ON CONFLICT ON CONSTRAINT notifications_once DO NOTHING)
        """;

    internal const string Columns = """
        id, owner, report_type, format, parameters, queue, status, attempt, max_attempts, rows_written, rows_total,
        size_bytes, sha256, blob_name, content_type, file_name, error, trace_parent, checkpoint, created_at, started_at, finished_at, error_code, webhook_url, updated_at,
        schedule_id, fire_time, expires_at, released, wait_reason, next_attempt_at, replay_of, definition_version
        """;

    /// <summary>
    /// Writes the job and its outbox row in one statement (so in one transaction). With an idempotency key already used
    /// by this owner, returns the existing job instead (and says whether its parameters differ), even when the owner is at
    /// its quota: a replay asks for nothing new. Null when <see cref="NewReportJob.ActiveJobQuota"/> is set and a new job
    /// would go over it.
    /// </summary>
    public async Task<CreateOutcome?> TryCreateAsync(NewReportJob request, CancellationToken cancellationToken) =>
        (await TryCreateManyAsync([request], cancellationToken))[0];

    /// <summary>
    /// <see cref="TryCreateAsync"/> for several jobs in one transaction (one commit), each with its own outcome, in order.
    /// Each is checked as it would be alone: a later job of the same owner counts the earlier ones against the quota, and
    /// a second job with an idempotency key already used in the batch is the first one's replay.
    /// </summary>
    public async Task<IReadOnlyList<CreateOutcome?>> TryCreateManyAsync(IReadOnlyList<NewReportJob> requests, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        IReadOnlyList<(ReportJob? Job, bool OverQuota)> inserted;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            inserted = await InsertManyAsync(connection, transaction, requests, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        try
        {
            return await OutcomesAsync(requests, inserted, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new CommittedBatchException(e);
        }
    }

    /// <summary>Each request's outcome once the batch is committed: created, a replay of the job its key names, or over quota.</summary>
    private async Task<IReadOnlyList<CreateOutcome?>> OutcomesAsync(
        IReadOnlyList<NewReportJob> requests, IReadOnlyList<(ReportJob? Job, bool OverQuota)> inserted, CancellationToken cancellationToken)
    {
        var outcomes = new List<CreateOutcome?>(requests.Count);
        for (var i = 0; i < requests.Count; i++)
        {
            var request = requests[i];
            if (inserted[i].Job is { } created)
            {
                outcomes.Add(new CreateOutcome(created, Created: true, ParametersDiffer: false));
            }
            else if (request.IdempotencyKey is { } key && await FindByIdempotencyKeyAsync(request.Owner, key, cancellationToken) is { } existing)
            {
                outcomes.Add(new CreateOutcome(existing.Job, Created: false, ParametersDiffer: existing.Hash != Hash(request)));
            }
            else
            {
                outcomes.Add(inserted[i].OverQuota ? null : throw new InvalidOperationException("An idempotency conflict was reported but no job holds the key."));
            }
        }

        return outcomes;
    }

    /// <summary><see cref="TryCreateAsync"/> for a job without a quota.</summary>
    public async Task<CreateOutcome> CreateAsync(NewReportJob request, CancellationToken cancellationToken) =>
        await TryCreateAsync(request with { ActiveJobQuota = null }, cancellationToken)
            ?? throw new InvalidOperationException("A job without a quota cannot be over it.");

    /// <summary>
    /// Inserts the job and its outbox row inside the caller's transaction. No job when a unique key says it exists
    /// already (the owner's idempotency key, or the schedule's fire time), or when the owner is at its quota.
    /// </summary>
    internal async Task<(ReportJob? Job, bool OverQuota)> InsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, NewReportJob request, CancellationToken cancellationToken) =>
        (await InsertManyAsync(connection, transaction, [request], cancellationToken))[0];

    /// <summary>
    /// Inserts the jobs and their outbox rows inside the caller's transaction, in one round trip (see <see cref="InsertAsync"/>).
    /// </summary>
    private async Task<IReadOnlyList<(ReportJob? Job, bool OverQuota)>> InsertManyAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<NewReportJob> requests, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        // The owners' creates take turns from here to commit, so the count in each insert sees every job committed
        // before it: N concurrent requests at a quota of Q leave exactly Q. In statements of their own, because a
        // statement's snapshot is taken when it starts: a lock taken inside the insert would count without the jobs of
        // the transaction it waited for. Taken in one order (by owner), so two batches never wait for each other in a
        // circle. The insert counts each owner's earlier jobs of the batch, as a later transaction would.
        var owners = requests.Where(r => r.ActiveJobQuota is not null).Select(r => r.Owner).Distinct().Order(StringComparer.Ordinal).ToList();
        foreach (var owner in owners)
        {
            var turn = new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock(hashtextextended('reports.active-jobs:' || @owner, 0))");
            turn.Parameters.AddWithValue("owner", owner);
            batch.BatchCommands.Add(turn);
        }

        // One statement inserts them all, owner by owner (each owner's in the order asked: the order their locks were
        // taken in), so two batches of one owner take turns on its lock and their idempotency keys never wait for each
        // other in a circle; without a quota, a deadlock is refused and each job written alone.
        // A plan made once for the statement, not one per batch: its arrays' lengths change nothing worth planning again
        // for, and planning it (CTEs, subqueries, a window) costs more than running it. Only for this statement: the
        // caller's transaction (a schedule's firing) goes on with its own setting.
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT set_config('plan_cache_mode', 'force_generic_plan', true)"));
        var now = time.GetUtcNow();
        var insert = new NpgsqlBatchCommand(InsertManySql);
        insert.Parameters.AddWithValue("ords", Enumerable.Range(0, requests.Count).ToArray());
        insert.Parameters.AddWithValue("ids", requests.Select(_ => JobIds.New()).ToArray());
        insert.Parameters.AddWithValue("owners", requests.Select(r => r.Owner).ToArray());
        insert.Parameters.AddWithValue("types", requests.Select(r => r.ReportType).ToArray());
        insert.Parameters.AddWithValue("formats", requests.Select(r => r.Format).ToArray());
        insert.Parameters.AddWithValue("parameters", NpgsqlDbType.Array | NpgsqlDbType.Jsonb, requests.Select(r => r.Parameters.GetRawText()).ToArray());
        insert.Parameters.AddWithValue("hashes", requests.Select(Hash).ToArray());
        insert.Parameters.AddWithValue("queues", requests.Select(r => r.Queue).ToArray());
        insert.Parameters.AddWithValue("max_attempts", requests.Select(r => r.MaxAttempts).ToArray());
        insert.Parameters.AddWithValue("keys", NpgsqlDbType.Array | NpgsqlDbType.Text, requests.Select(r => r.IdempotencyKey).ToArray());
        insert.Parameters.AddWithValue("trace_parents", NpgsqlDbType.Array | NpgsqlDbType.Text, requests.Select(r => r.TraceParent).ToArray());
        insert.Parameters.AddWithValue("webhook_urls", NpgsqlDbType.Array | NpgsqlDbType.Text, requests.Select(r => r.WebhookUrl?.ToString()).ToArray());
        insert.Parameters.AddWithValue("schedule_ids", NpgsqlDbType.Array | NpgsqlDbType.Uuid, requests.Select(r => r.ScheduleId).ToArray());
        insert.Parameters.AddWithValue("fire_times", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, requests.Select(r => r.FireTime).ToArray());
        insert.Parameters.AddWithValue("recipients", NpgsqlDbType.Array | NpgsqlDbType.Jsonb,
            requests.Select(r => JsonSerializer.Serialize(r.EmailRecipients)).ToArray());
        insert.Parameters.AddWithValue("definition_versions", NpgsqlDbType.Array | NpgsqlDbType.Text, requests.Select(r => r.DefinitionVersion).ToArray());
        insert.Parameters.AddWithValue("quotas", NpgsqlDbType.Array | NpgsqlDbType.Integer, requests.Select(r => r.ActiveJobQuota).ToArray());
        insert.Parameters.AddWithValue("now", now);
        batch.BatchCommands.Add(insert);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL plan_cache_mode = DEFAULT"));

        var inserted = new (ReportJob?, bool)[requests.Count];
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        for (var i = 0; i <= owners.Count; i++)
        {
            await reader.NextResultAsync(cancellationToken); // past the owners' locks and the setting
        }

        for (var i = 0; i < requests.Count; i++)
        {
            await reader.ReadAsync(cancellationToken);
            var outboxRowId = reader.FieldCount - 2;
            var job = reader.IsDBNull(0) ? null : Map(reader) with { OutboxRowId = reader.GetInt64(outboxRowId) };
            inserted[i] = (job, !reader.GetBoolean(outboxRowId + 1));
        }

        return inserted;
    }

    /// <summary>
    /// Each job and its outbox row together: a job is never accepted without the means to publish it. One row per job, in
    /// the order asked: the job and its outbox row id (nulls when not written), then whether its owner was under its quota
    /// (a replay always is: its idempotency key was used before, here or earlier in the batch, and it asks for nothing
    /// new). A new job counts its owner's unfinished jobs (counted once a batch, up to the largest quota asked) and the
    /// new ones before it in the batch.
    /// </summary>
    private const string InsertManySql = $"""
        WITH input AS (
            SELECT * FROM unnest(@ords::int[], @ids::uuid[], @owners::text[], @types::text[], @formats::text[], @parameters::jsonb[],
                @hashes::text[], @queues::text[], @max_attempts::int[], @keys::text[], @trace_parents::text[], @webhook_urls::text[],
                @schedule_ids::uuid[], @fire_times::timestamptz[], @recipients::jsonb[], @definition_versions::text[], @quotas::int[])
            AS i (ord, id, owner, report_type, format, parameters, hash, queue, max_attempts, idempotency_key, trace_parent,
                  webhook_url, schedule_id, fire_time, recipients, definition_version, quota)),
        keyed AS (
            SELECT i.*, i.idempotency_key IS NOT NULL AND (
                EXISTS (SELECT 1 FROM reports.jobs j WHERE j.owner = i.owner AND j.idempotency_key = i.idempotency_key)
                OR EXISTS (SELECT 1 FROM input e WHERE e.owner = i.owner AND e.idempotency_key = i.idempotency_key AND e.ord < i.ord)) AS replay
            FROM input i),
        counted AS (
            SELECT o.owner, (SELECT count(*) FROM (
                    SELECT 1 FROM reports.jobs WHERE owner = o.owner AND {Unfinished} AND replay_of IS NULL LIMIT o.quota) AS active) AS active
            FROM (SELECT owner, max(quota) AS quota FROM input WHERE quota IS NOT NULL GROUP BY owner) AS o),
        allowed AS (
            SELECT k.*, NOT k.replay AND (k.quota IS NULL
                OR c.active + count(*) FILTER (WHERE NOT k.replay) OVER (PARTITION BY k.owner ORDER BY k.ord) <= k.quota) AS ok
            FROM keyed k LEFT JOIN counted c ON c.owner = k.owner),
        created AS (
            INSERT INTO reports.jobs (id, owner, report_type, format, parameters, parameters_hash, queue, status, max_attempts,
                                      idempotency_key, trace_parent, webhook_url, schedule_id, fire_time, email_recipients, created_at, updated_at,
                                      definition_version)
            SELECT id, owner, report_type, format, parameters, hash, queue, 'queued', max_attempts, idempotency_key, trace_parent,
                   webhook_url, schedule_id, fire_time, ARRAY(SELECT jsonb_array_elements_text(recipients)), @now, @now, definition_version
            FROM allowed WHERE ok ORDER BY owner, ord
            ON CONFLICT DO NOTHING
            RETURNING {Columns}),
        queued AS (
            INSERT INTO reports.outbox (job_id, queue, trace_parent) SELECT id, queue, trace_parent FROM created RETURNING id, job_id)
        SELECT created.*, queued.id, a.ok OR a.replay
        FROM allowed a LEFT JOIN created ON created.id = a.id LEFT JOIN queued ON queued.job_id = a.id
        ORDER BY a.ord
        """;

    /// <summary>
    /// The jobs an owner's quota counts: every one not finished, except those a bulk replay made (replay_of set): an
    /// operator's action, bounded by the replay's own backpressure, must not lock the owner out.
    /// </summary>
    private const string Unfinished = "status IN ('queued', 'waiting', 'retrying', 'running', 'cancelling')";

    private static string Hash(NewReportJob request) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
        $"{request.ReportType}\n{request.Format}\n{request.Parameters.GetRawText()}\n{request.WebhookUrl}")));

    /// <summary>A job by id; with an <paramref name="owner"/>, only that owner's (null: any, for admins and workers).</summary>
    public async Task<ReportJob?> GetAsync(Guid id, string? owner, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns} FROM reports.jobs WHERE id = @id AND (@owner::text IS NULL OR owner = @owner)");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("owner", (object?)owner ?? DBNull.Value);
        return await ReadOneAsync(command, cancellationToken);
    }

    /// <summary>
    /// Claims a job for one attempt: only a queued job, a retrying job that is due, or a running job whose lease has
    /// expired can be claimed. One statement, so two workers racing for the same job cannot both win; a row another
    /// transaction holds (a cancel, the sweep) is waited for.
    /// </summary>
    public async Task<ClaimedJob?> ClaimAsync(Guid id, string workerId, TimeSpan lease, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"UPDATE reports.jobs SET {ClaimedSet} WHERE id = @id AND {Claimable} RETURNING {Columns}");
        command.Parameters.AddWithValue("id", id);
        var now = AddClaimValues(command, workerId, lease);
        return await ReadOneAsync(command, cancellationToken) is { } job ? new ClaimedJob(job, workerId) { LeaseExpiresAt = now + lease } : null;
    }

    /// <summary>
    /// Claims several jobs in one statement (see <see cref="ClaimAsync"/>), in the order of <paramref name="ids"/>: the
    /// claim of each, or none where it could not be claimed. A job whose row another transaction holds is not waited
    /// for, so one held row never holds up the others: it comes back <see cref="BatchClaim.Locked"/>, neither claimed nor
    /// found unclaimable, for its caller to claim alone. An id given twice is claimed once, for its first place.
    /// </summary>
    public async Task<IReadOnlyList<BatchClaim>> ClaimManyAsync(
        IReadOnlyList<Guid> ids, string workerId, TimeSpan lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ids);
        // The rows are locked, then updated, each checked again as it is once locked; the last part reads, without
        // locking, the claimable rows held elsewhere (a job that cannot be claimed anyway is neither locked nor reported).
        await using var command = dataSource.CreateCommand(ClaimManySql);
        command.Parameters.AddWithValue("ids", ids.Distinct().ToArray());
        var now = AddClaimValues(command, workerId, lease);
        var claimed = new Dictionary<Guid, ClaimedJob>();
        var locked = new HashSet<Guid>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var job = Map(reader);
                if (reader.GetBoolean(reader.FieldCount - 1))
                {
                    locked.Add(job.Id);
                }
                else
                {
                    claimed[job.Id] = new ClaimedJob(job, workerId) { LeaseExpiresAt = now + lease };
                }
            }
        }

        return [.. ids.Select(id => claimed.Remove(id, out var claim) ? new BatchClaim(claim, Locked: false) : new BatchClaim(null, locked.Remove(id)))];
    }

    /// <summary>
    /// A job that can be claimed now: queued, a retry that is due, or running under an expired lease (for statements that
    /// find the job by id: <see cref="KeyLookup"/>).
    /// </summary>
    private static readonly string Claimable = KeyLookup.Where("""
        status = 'queued'
         OR (status = 'retrying' AND next_attempt_at <= @now)
         OR (status = 'running' AND lease_expires_at < @now)
        """);

    /// <summary>The attempt's job is running (for statements that find the job by id: <see cref="KeyLookup"/>).</summary>
    private static readonly string Running = KeyLookup.Where("status = 'running'");

    /// <summary>The attempt's job is running or being cancelled (by id: <see cref="KeyLookup"/>).</summary>
    private static readonly string RunningOrCancelling = KeyLookup.Where("status IN ('running', 'cancelling')");

    /// <summary>Parameters: ids, worker, lease, now.</summary>
    internal static readonly string ClaimManySql = $"""
        WITH free AS (
            SELECT id FROM reports.jobs WHERE id = ANY(@ids) AND {Claimable} FOR NO KEY UPDATE SKIP LOCKED),
        claimed AS (
            UPDATE reports.jobs SET {ClaimedSet}
            WHERE id IN (SELECT id FROM free) AND {Claimable}
            RETURNING {Columns})
        SELECT {Columns}, false FROM claimed
        UNION ALL
        SELECT {Columns}, true FROM reports.jobs WHERE id = ANY(@ids) AND {Claimable} AND id NOT IN (SELECT id FROM free)
        """;

    private const string ClaimedSet = $"""
        status = 'running', attempt = attempt + 1, lease_owner = @worker, lease_expires_at = @now + @lease,
        started_at = coalesce(started_at, @now), next_attempt_at = NULL, wait_reason = NULL, updated_at = @now,
        {CountUnstartedTakeover}
        """;

    /// <summary>
    /// A running job taken over (its lease ran out) whose attempt never entered a job slot: its worker claimed it ahead,
    /// then died or lost the database. Such a takeover is a hand-over, not a failed attempt, up to max_attempts times a
    /// job, so one that kills its worker before its entry is written (<see cref="EnterManyAsync"/>) still runs out.
    /// </summary>
    private const string UnstartedTakeover = """
        (status = 'running' AND lease_expires_at < @now AND entered_attempt IS DISTINCT FROM attempt
         AND unstarted_takeovers < max_attempts)
        """;

    /// <summary>Part of a SET that takes a job over (or puts it back): counts an unstarted attempt as released.</summary>
    private const string CountUnstartedTakeover = $"""
        released = released + CASE WHEN {UnstartedTakeover} THEN 1 ELSE 0 END,
        unstarted_takeovers = unstarted_takeovers + CASE WHEN {UnstartedTakeover} THEN 1 ELSE 0 END
        """;

    private DateTimeOffset AddClaimValues(NpgsqlCommand command, string workerId, TimeSpan lease)
    {
        var now = time.GetUtcNow();
        command.Parameters.AddWithValue("worker", workerId);
        command.Parameters.AddWithValue("lease", lease);
        command.Parameters.AddWithValue("now", now);
        return now;
    }

    /// <summary>
    /// Puts a job that could be claimed now (queued, a due retry, or running under an expired lease) to wait, when the
    /// processing window of its queue or of its report type is among <paramref name="closed"/>: status <c>waiting</c>
    /// until the latest of those windows opens, with the reason. Nothing else changes: no attempt is used, so waiting
    /// never brings a job closer to its attempt limit, and the sweeper queues it again when the window opens. Returns
    /// the job as it now waits, or null when it was not put to wait (its windows are open, or it is not claimable).
    /// </summary>
    public async Task<ReportJob?> DeferAsync(Guid id, IReadOnlyList<Windows.ClosedWindow> closed, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            WITH closed AS (SELECT * FROM unnest(@names::text[], @opens::timestamptz[], @reasons::text[]) AS c(name, opens, reason)),
            hit AS (
                SELECT c.opens, c.reason FROM reports.jobs j JOIN closed c ON c.name IN (j.queue, j.report_type)
                WHERE j.id = @id ORDER BY c.opens DESC LIMIT 1)
            UPDATE reports.jobs SET status = 'waiting', next_attempt_at = hit.opens, wait_reason = hit.reason,
                lease_owner = NULL, lease_expires_at = NULL, updated_at = @now, {CountUnstartedTakeover}
            FROM hit
            WHERE id = @id AND {Claimable}
            RETURNING {Columns}
            """);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("names", closed.Select(c => c.Name).ToArray());
        command.Parameters.AddWithValue("opens", closed.Select(c => c.OpensAt).ToArray());
        command.Parameters.AddWithValue("reasons", closed.Select(c => c.Reason).ToArray());
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        return await ReadOneAsync(command, cancellationToken);
    }

    /// <summary>
    /// One page (by <c>next_attempt_at, id</c>, after <paramref name="after"/>) of the waiting jobs, re-evaluated against
    /// the windows closed now: a job none of whose windows (queue, report type) is among <paramref name="closed"/> is
    /// queued again at once, with a new outbox row. A window that was removed or changed so that it is open now releases
    /// its jobs instead of holding them until the old opening time. The worker runs it over every page at start (the
    /// windows only change with the configuration).
    /// </summary>
    public async Task<WaitingPage> ReleaseWaitingAsync(
        IReadOnlyList<Windows.ClosedWindow> closed, (DateTimeOffset At, Guid Id)? after, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            WITH closed AS (SELECT * FROM unnest(@names::text[]) AS c(name)),
            page AS (
                SELECT id, queue, report_type, next_attempt_at FROM reports.jobs
                WHERE status = 'waiting' AND (@after_at::timestamptz IS NULL OR (next_attempt_at, id) > (@after_at, @after_id))
                ORDER BY next_attempt_at, id LIMIT @limit),
            released AS (
                UPDATE reports.jobs AS j SET status = 'queued', next_attempt_at = NULL, wait_reason = NULL, updated_at = @now
                FROM page AS p
                WHERE j.id = p.id AND {KeyLookup.Where("j.status = 'waiting'")} AND NOT EXISTS (SELECT 1 FROM closed AS c WHERE c.name IN (p.queue, p.report_type))
                RETURNING j.id, j.queue, j.trace_parent),
            queued AS (
                INSERT INTO reports.outbox (job_id, queue, trace_parent) SELECT id, queue, trace_parent FROM released)
            SELECT (SELECT count(*) FROM released), (SELECT count(*) FROM page),
                   last.next_attempt_at, last.id
            FROM (SELECT 1) AS one LEFT JOIN (SELECT next_attempt_at, id FROM page ORDER BY next_attempt_at DESC, id DESC LIMIT 1) AS last ON true
            """);
        command.Parameters.AddWithValue("names", closed.Select(c => c.Name).ToArray());
        command.Parameters.AddWithValue("after_at", after is { } a ? a.At : DBNull.Value);
        command.Parameters.AddWithValue("after_id", after is { } b ? b.Id : Guid.Empty);
        command.Parameters.AddWithValue("limit", limit);
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new WaitingPage((int)reader.GetInt64(0), (int)reader.GetInt64(1),
            reader.IsDBNull(2) ? null : (reader.GetFieldValue<DateTimeOffset>(2), reader.GetGuid(3)));
    }

    /// <summary>The worker that runs the job under a lease still live, if any.</summary>
    public async Task<string?> LiveLeaseOwnerAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT lease_owner FROM reports.jobs WHERE id = @id AND {KeyLookup.Where("status = 'running' AND lease_expires_at >= @now")}");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>Parameters: ids, attempts.</summary>
    internal static readonly string EnterManySql = $"""
        WITH free AS (
            SELECT j.id FROM reports.jobs j JOIN unnest(@ids::uuid[], @attempts::int[]) AS e (id, attempt) ON j.id = e.id AND j.attempt = e.attempt
            WHERE {RunningOrCancelling} AND j.entered_attempt IS DISTINCT FROM e.attempt
            FOR NO KEY UPDATE OF j SKIP LOCKED)
        UPDATE reports.jobs j SET entered_attempt = j.attempt
        FROM free WHERE j.id = free.id AND {RunningOrCancelling}
        RETURNING j.id, j.attempt
        """;

    /// <summary>
    /// Records that these attempts entered a job slot (their generation began), so that a takeover of one counts it as
    /// used. Whether each was recorded, in order: false when its attempt no longer holds the job, or it was already.
    /// </summary>
    public async Task<IReadOnlyList<bool>> EnterManyAsync(IReadOnlyList<ClaimedJob> claims, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claims);
        // A row another transaction holds is skipped, not waited for: its outcome or its takeover is being written (an
        // entry waiting for it could deadlock with a batch of completions locking the same rows in another order), and
        // the lease renewal records the entry of a job still running.
        await using var command = dataSource.CreateCommand(EnterManySql);
        command.Parameters.AddWithValue("ids", claims.Select(c => c.Id).ToArray());
        command.Parameters.AddWithValue("attempts", claims.Select(c => c.Attempt).ToArray());
        var entered = new HashSet<(Guid, int)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                entered.Add((reader.GetGuid(0), reader.GetInt32(1)));
            }
        }

        return [.. claims.Select(c => entered.Remove((c.Id, c.Attempt)))];
    }

    /// <summary>Extends the lease; false when this attempt no longer holds the job.</summary>
    /// <param name="entered">The attempt holds a job slot: recorded too (<see cref="EnterManyAsync"/>), should its entry have
    /// been withdrawn or lost.</param>
    public Task<bool> RenewLeaseAsync(ClaimedJob claim, TimeSpan lease, CancellationToken cancellationToken, bool entered = false) =>
        UpdateClaimedAsync(claim, entered ? "lease_expires_at = @now + @lease, entered_attempt = attempt" : "lease_expires_at = @now + @lease",
            cancellationToken, ("lease", lease));

    /// <summary>
    /// Progress between checkpoints: the rows formatted so far by this attempt, and the report's row count when
    /// <paramref name="rowsTotal"/> is given (once is enough).
    /// </summary>
    public Task<bool> ReportRowsAsync(ClaimedJob claim, long rowsWritten, long? rowsTotal, CancellationToken cancellationToken) =>
        UpdateClaimedAsync(claim, "rows_written = greatest(rows_written, @rows), rows_total = coalesce(@total::bigint, rows_total)", cancellationToken,
            ("rows", rowsWritten), ("total", (object?)rowsTotal ?? DBNull.Value));

    /// <summary>
    /// Records a staged block's checkpoint (and the row count when given). The rows shown never move back: the pages
    /// reported since are ahead of the block being staged.
    /// </summary>
    public Task<bool> CheckpointAsync(ClaimedJob claim, GenerationCheckpoint checkpoint, long? rowsTotal, CancellationToken cancellationToken) =>
        UpdateClaimedAsync(claim, "checkpoint = @checkpoint, rows_written = greatest(rows_written, @rows), rows_total = coalesce(@total::bigint, rows_total)",
            cancellationToken,
            ("checkpoint", new JsonbText(JsonSerializer.Serialize(checkpoint))), ("rows", checkpoint.Rows), ("total", (object?)rowsTotal ?? DBNull.Value));

    /// <summary>
    /// Records the committed file; it is kept for <paramref name="retention"/>, then deleted and the job expires. A job of
    /// a format without a file (<paramref name="file"/> null) succeeds with none, and nothing of it expires.
    /// </summary>
    public async Task<bool> CompleteAsync(ClaimedJob claim, ReportFile? file, TimeSpan retention, CancellationToken cancellationToken) =>
        (await CompleteManyAsync([new JobCompletion(claim, file, retention)], cancellationToken))[0];

    /// <summary>
    /// Records several jobs' outcomes in one statement (see <see cref="CompleteAsync"/>), each conditional on its own
    /// attempt: whether each went through, in order. A job whose attempt no longer holds it is left as it is while the
    /// others succeed; the statement is one transaction, so should it fail, none of them changed.
    /// </summary>
    public async Task<IReadOnlyList<bool>> CompleteManyAsync(IReadOnlyList<JobCompletion> completions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(completions);
        await using var command = dataSource.CreateCommand(CompleteManySql);
        command.Parameters.AddWithValue("ids", completions.Select(c => c.Claim.Id).ToArray());
        command.Parameters.AddWithValue("attempts", completions.Select(c => c.Claim.Attempt).ToArray());
        command.Parameters.AddWithValue("blobs", NpgsqlDbType.Array | NpgsqlDbType.Text, completions.Select(c => c.File?.BlobName).ToArray());
        command.Parameters.AddWithValue("file_names", NpgsqlDbType.Array | NpgsqlDbType.Text, completions.Select(c => c.File?.FileName).ToArray());
        command.Parameters.AddWithValue("content_types", NpgsqlDbType.Array | NpgsqlDbType.Text, completions.Select(c => c.File?.ContentType).ToArray());
        command.Parameters.AddWithValue("sizes", NpgsqlDbType.Array | NpgsqlDbType.Bigint, completions.Select(c => c.File?.SizeBytes).ToArray());
        command.Parameters.AddWithValue("shas", NpgsqlDbType.Array | NpgsqlDbType.Text, completions.Select(c => c.File?.Sha256).ToArray());
        command.Parameters.AddWithValue("rows", NpgsqlDbType.Array | NpgsqlDbType.Bigint, completions.Select(c => c.File?.Rows).ToArray());
        command.Parameters.AddWithValue("retentions", completions.Select(c => c.Retention).ToArray());
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        var succeeded = new HashSet<(Guid, int)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                succeeded.Add((reader.GetGuid(0), reader.GetInt32(1)));
            }
        }

        return [.. completions.Select(c => succeeded.Contains((c.Claim.Id, c.Claim.Attempt)))];
    }

    /// <summary>Parameters: ids, attempts, blobs, file_names, content_types, sizes, shas, rows, retentions, now.</summary>
    internal static readonly string CompleteManySql = $"""
        WITH done AS (
            SELECT * FROM unnest(@ids::uuid[], @attempts::int[], @blobs::text[], @file_names::text[], @content_types::text[],
                @sizes::bigint[], @shas::text[], @rows::bigint[], @retentions::interval[])
            AS d (id, attempt, blob, file_name, content_type, size, sha, rows, retention)),
        changed AS (
            UPDATE reports.jobs j SET {Succeeded}, updated_at = @now,
                blob_name = coalesce(d.blob, j.blob_name), file_name = coalesce(d.file_name, j.file_name),
                content_type = coalesce(d.content_type, j.content_type), size_bytes = coalesce(d.size, j.size_bytes),
                sha256 = coalesce(d.sha, j.sha256), rows_written = coalesce(d.rows, 0),
                rows_total = CASE WHEN d.blob IS NULL THEN j.rows_total ELSE coalesce(j.rows_total, d.rows) END,
                expires_at = CASE WHEN d.blob IS NULL THEN j.expires_at ELSE @now + d.retention END
            FROM done d
            WHERE j.id = d.id AND j.attempt = d.attempt AND {KeyLookup.Where("j.status = 'running'")}
            RETURNING j.id, j.status, j.attempt, j.webhook_url, j.owner, j.email_recipients),
        {FinalEventDeliveries}
        SELECT id, attempt FROM changed
        """;

    private const string Succeeded =
        "status = 'succeeded', finished_at = @now, lease_owner = NULL, lease_expires_at = NULL, error = NULL, error_code = NULL";

    /// <summary>Ends the attempt with an error: retried at <paramref name="retryAt"/> when given, otherwise failed for good.</summary>
    public Task<bool> FailAsync(ClaimedJob claim, JobError error, DateTimeOffset? retryAt, CancellationToken cancellationToken) =>
        retryAt is { } due
            ? UpdateClaimedAsync(claim, RetryingAt, cancellationToken, ("due", due), ("error", error.Message), ("code", error.Code))
            : UpdateClaimedAsync(claim,
                "status = 'failed', finished_at = @now, lease_owner = NULL, lease_expires_at = NULL, error = @error, error_code = @code",
                cancellationToken, ("error", error.Message), ("code", error.Code));

    /// <summary>
    /// Gives a job back to be tried again at <paramref name="due"/> by whichever worker takes it, with its checkpoint: a
    /// hand-over this worker cannot do (it holds another version of the report), so it does not count against the attempts.
    /// </summary>
    public Task<bool> HandBackLaterAsync(ClaimedJob claim, DateTimeOffset due, JobError error, CancellationToken cancellationToken) =>
        UpdateClaimedAsync(claim, $"{RetryingAt}, released = released + 1", cancellationToken, ("due", due), ("error", error.Message), ("code", error.Code));

    private const string RetryingAt =
        "status = 'retrying', next_attempt_at = @due, lease_owner = NULL, lease_expires_at = NULL, error = @error, error_code = @code";

    /// <summary>
    /// Gives a job back at once (graceful shutdown): queued again with its checkpoint, and put on the outbox in the same
    /// statement, so another worker resumes it without waiting for the lease to expire. A hand-over, not a failure: it
    /// does not count against the job's attempts.
    /// </summary>
    public Task<bool> ReleaseAsync(ClaimedJob claim, CancellationToken cancellationToken) =>
        HandOverAsync(claim, fromStart: false, cancellationToken);

    /// <summary>
    /// Gives a job back to start again from the start, without its checkpoint: storage lost blocks the job's file needs.
    /// The next attempt stages every block under its own ids. Like a release, it does not count against the attempts.
    /// </summary>
    public Task<bool> RestartAsync(ClaimedJob claim, CancellationToken cancellationToken) =>
        HandOverAsync(claim, fromStart: true, cancellationToken);

    private async Task<bool> HandOverAsync(ClaimedJob claim, bool fromStart, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            WITH released AS (
                UPDATE reports.jobs SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL, released = released + 1,
                    checkpoint = CASE WHEN @from_start THEN NULL ELSE checkpoint END,
                    rows_written = CASE WHEN @from_start THEN 0 ELSE rows_written END, updated_at = @now
                WHERE id = @id AND attempt = @attempt AND {Running}
                RETURNING id, queue, trace_parent)
            INSERT INTO reports.outbox (job_id, queue, trace_parent) SELECT id, queue, trace_parent FROM released
            """);
        command.Parameters.AddWithValue("id", claim.Id);
        command.Parameters.AddWithValue("attempt", claim.Attempt);
        command.Parameters.AddWithValue("from_start", fromStart);
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>
    /// Cancels a job: a queued, waiting or retrying one at once; a running one becomes <c>cancelling</c> until its worker stops
    /// at the next page. Returns the job as it is now, or null when it does not exist or is already final.
    /// </summary>
    public async Task<ReportJob?> RequestCancelAsync(Guid id, string? owner, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            WITH changed AS (
                UPDATE reports.jobs
                SET status = CASE WHEN status IN ('running', 'cancelling') THEN 'cancelling' ELSE 'cancelled' END,
                    finished_at = CASE WHEN status IN ('running', 'cancelling') THEN NULL ELSE @now END,
                    next_attempt_at = NULL, updated_at = @now
                WHERE id = @id AND (@owner::text IS NULL OR owner = @owner)
                  AND {KeyLookup.Where(Unfinished)}
                RETURNING *),
            {FinalEventDeliveries}
            SELECT {Columns} FROM changed
            """);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("owner", (object?)owner ?? DBNull.Value);
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        return await ReadOneAsync(command, cancellationToken);
    }

    /// <summary>The worker's side of a cancel: this attempt has stopped, the job is now cancelled.</summary>
    public async Task<bool> ConfirmCancelledAsync(ClaimedJob claim, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            WITH changed AS (
                UPDATE reports.jobs SET status = 'cancelled', finished_at = @now, lease_owner = NULL, lease_expires_at = NULL,
                    checkpoint = NULL, updated_at = @now
                WHERE id = @id AND attempt = @attempt AND {KeyLookup.Where("status = 'cancelling'")}
                RETURNING id, status, attempt, webhook_url, owner, email_recipients),
            {FinalEventDeliveries}
            SELECT count(*) FROM changed
            """);
        command.Parameters.AddWithValue("id", claim.Id);
        command.Parameters.AddWithValue("attempt", claim.Attempt);
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        return (long)(await command.ExecuteScalarAsync(cancellationToken))! == 1;
    }

    /// <summary>
    /// Replays a failed (dead-lettered) or cancelled job from the start as a new attempt, with a fresh attempt budget
    /// (<paramref name="attempts"/> more than it has used). The attempt number keeps growing, so it stays a valid fencing token.
    /// A dead letter that a bulk replay already made a new job of is not run again here (null): one run per dead letter. The
    /// conditional UPDATE (still failed, replayed_as null) waits on a bulk replay step that holds the row, then finds it taken.
    /// </summary>
    public async Task<ReportJob?> ReplayAsync(Guid id, int attempts, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            WITH replayed AS (
                UPDATE reports.jobs
                SET status = 'queued', error = NULL, error_code = NULL, checkpoint = NULL, rows_written = 0, finished_at = NULL,
                    next_attempt_at = NULL, max_attempts = attempt - released + @attempts, updated_at = @now
                WHERE id = @id AND status IN ('failed', 'cancelled') AND replayed_as IS NULL
                  AND NOT EXISTS (SELECT 1 FROM reports.jobs AS replay WHERE replay.replay_of = @id)
                RETURNING {Columns}),
            queued AS (
                INSERT INTO reports.outbox (job_id, queue, trace_parent) SELECT id, queue, trace_parent FROM replayed RETURNING id)
            SELECT replayed.*, queued.id FROM replayed CROSS JOIN queued
            """);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("attempts", attempts);
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Map(reader) with { OutboxRowId = reader.GetInt64(reader.FieldCount - 1) } : null;
    }

    /// <summary>Jobs newest first, filtered, one page after <see cref="JobQuery.Before"/>.</summary>
    public async Task<IReadOnlyList<ReportJob>> ListAsync(JobQuery query, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {Columns} FROM reports.jobs
            WHERE (@owner::text IS NULL OR owner = @owner)
              AND (@status::text IS NULL OR status = @status)
              AND (@type::text IS NULL OR report_type = @type)
              AND (@created_after::timestamptz IS NULL OR created_at > @created_after)
              AND (@schedule_id::uuid IS NULL OR schedule_id = @schedule_id)
              AND (@before_at::timestamptz IS NULL OR (created_at, id) < (@before_at, @before_id))
            ORDER BY created_at DESC, id DESC LIMIT @limit
            """);
        command.Parameters.AddWithValue("owner", (object?)query.Owner ?? DBNull.Value);
        command.Parameters.AddWithValue("status", (object?)query.Status ?? DBNull.Value);
        command.Parameters.AddWithValue("type", (object?)query.ReportType ?? DBNull.Value);
        command.Parameters.AddWithValue("created_after", query.CreatedAfter is { } after ? after.ToUniversalTime() : DBNull.Value);
        command.Parameters.AddWithValue("schedule_id", query.ScheduleId is { } scheduleId ? scheduleId : DBNull.Value);
        command.Parameters.AddWithValue("before_at", query.Before is { } b1 ? b1.CreatedAt : DBNull.Value);
        command.Parameters.AddWithValue("before_id", query.Before is { } b2 ? b2.Id : Guid.Empty);
        command.Parameters.AddWithValue("limit", query.Limit);
        var jobs = new List<ReportJob>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            jobs.Add(Map(reader));
        }

        return jobs;
    }

    /// <summary>The job each of these dead letters was replayed as, for those a bulk replay made a new job of.</summary>
    public async Task<IReadOnlyDictionary<Guid, Guid>> ReplayedAsAsync(IReadOnlyCollection<Guid> jobIds, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT replay_of, id FROM reports.jobs WHERE replay_of = ANY(@ids)");
        command.Parameters.AddWithValue("ids", jobIds.ToArray());
        var replayed = new Dictionary<Guid, Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            replayed[reader.GetGuid(0)] = reader.GetGuid(1);
        }

        return replayed;
    }

    /// <summary>Puts these jobs back on the outbox if still queued: their messages reached a worker that stopped before claiming them.</summary>
    public async Task<int> RepublishQueuedAsync(IReadOnlyCollection<Guid> jobIds, CancellationToken cancellationToken)
    {
        // republished_at, not updated_at: a job's age in the queue counts from when it entered it (the operations page).
        await using var command = dataSource.CreateCommand($"""
            WITH queued AS (
                UPDATE reports.jobs SET republished_at = @now WHERE id = ANY(@only) AND {KeyLookup.Where("status = 'queued'")}
                RETURNING id, queue, trace_parent)
            INSERT INTO reports.outbox (job_id, queue, trace_parent) SELECT id, queue, trace_parent FROM queued
            """);
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        command.Parameters.AddWithValue("only", jobIds.ToArray());
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Puts back on the outbox the jobs that nobody will otherwise run: retries that are due, and running jobs whose
    /// lease expired (their worker died, or Redis lost the message); at most <paramref name="limit"/> of each kind per
    /// call, oldest first, so a backlog of any size is one bounded statement per pass.
    /// </summary>
    /// <remarks>
    /// A queued job not published for <paramref name="republishQueuedAfter"/> is published again too: its message may have
    /// been lost with Redis's last second of writes, or trimmed from a stream over its length. With
    /// <paramref name="republishQueuedBefore"/> (Redis came back empty), every queued job not published since then is.
    /// Its age is kept (republished_at moves, not updated_at), and a job whose outbox row is still waiting is not added
    /// again: that row will publish it. A duplicate message is harmless (the claim lets one run).
    /// </remarks>
    public async Task<StrandedJobs> RequeueStrandedAsync(
        TimeSpan republishQueuedAfter, int limit, DateTimeOffset? republishQueuedBefore, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var cutoff = now - republishQueuedAfter;
        await using var command = dataSource.CreateCommand(RequeueStrandedSql);
        command.Parameters.AddWithValue("now", now);
        command.Parameters.AddWithValue("limit", limit);
        command.Parameters.AddWithValue("republish_before", republishQueuedBefore is { } before && before > cutoff ? before : cutoff);
        StrandedJobs swept;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            swept = new StrandedJobs((int)reader.GetInt64(0), (int)reader.GetInt64(1));
        }

        // A cancel whose worker died before it could confirm: nobody is writing any more once the lease is over.
        await using var cancelled = dataSource.CreateCommand($"""
            WITH changed AS (
                UPDATE reports.jobs SET status = 'cancelled', finished_at = @now, lease_owner = NULL, lease_expires_at = NULL, updated_at = @now
                WHERE status = 'cancelling' AND (lease_expires_at IS NULL OR lease_expires_at < @now)
                RETURNING id, status, attempt, webhook_url, owner, email_recipients),
            {FinalEventDeliveries}
            SELECT count(*) FROM changed
            """);
        cancelled.Parameters.AddWithValue("now", time.GetUtcNow());
        await cancelled.ExecuteNonQueryAsync(cancellationToken);
        return swept;
    }

    /// <summary>
    /// One index range per kind of stranded job (jobs_due_retries: the due retries, earliest first; jobs_unfinished:
    /// status, then updated_at, for expired leases; jobs_queued_published for the queued): however long the queue and
    /// however many retries wait out their backoff, a pass reads only the jobs it re-queues. The UPDATE checks each row
    /// again, as it is when locked. Parameters: now, limit, republish_before.
    /// </summary>
    internal const string RequeueStrandedSql = $"""
        WITH candidates AS (
            (SELECT id FROM reports.jobs WHERE {DueRetry} ORDER BY next_attempt_at LIMIT @limit)
            UNION ALL (SELECT id FROM reports.jobs WHERE {ExpiredLease} ORDER BY status, updated_at LIMIT @limit)
            UNION ALL (SELECT id FROM reports.jobs WHERE {QueuedTooLong} ORDER BY greatest(updated_at, republished_at), id LIMIT @limit)),
        stranded AS (
            UPDATE reports.jobs SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL, next_attempt_at = NULL, wait_reason = NULL,
                updated_at = CASE WHEN status = 'queued' THEN updated_at ELSE @now END,
                republished_at = CASE WHEN status = 'queued' THEN @now END, {CountUnstartedTakeover}
            WHERE id IN (SELECT id FROM candidates) AND (({DueRetry}) OR ({ExpiredLease}) OR ({QueuedTooLong}))
            RETURNING id, queue, trace_parent, republished_at IS NOT NULL AS republished),
        queued AS (
            INSERT INTO reports.outbox (job_id, queue, trace_parent) SELECT id, queue, trace_parent FROM stranded)
        SELECT count(*) FILTER (WHERE NOT republished), count(*) FILTER (WHERE republished) FROM stranded
        """;

    /// <summary>A retry whose backoff is over, or a job whose processing window has opened.</summary>
    private const string DueRetry = "status IN ('retrying', 'waiting') AND next_attempt_at <= @now";
    private const string ExpiredLease = "status = 'running' AND lease_expires_at < @now";
    private const string QueuedTooLong = """
        status = 'queued' AND greatest(updated_at, republished_at) < @republish_before
        AND NOT EXISTS (SELECT 1 FROM reports.outbox WHERE outbox.job_id = jobs.id)
        """;

    /// <summary>Parameters: id, attempt, now, and those of <paramref name="set"/>.</summary>
    internal static string UpdateClaimedSql(string set) => $"""
        WITH changed AS (
            UPDATE reports.jobs SET {set}, updated_at = @now
            WHERE id = @id AND attempt = @attempt AND {Running}
            RETURNING id, status, attempt, webhook_url, owner, email_recipients),
        {FinalEventDeliveries}
        SELECT count(*) FROM changed
        """;

    private async Task<bool> UpdateClaimedAsync(ClaimedJob claim, string set, CancellationToken cancellationToken, params (string Name, object Value)[] values)
    {
        await using var command = dataSource.CreateCommand(UpdateClaimedSql(set));
        command.Parameters.AddWithValue("id", claim.Id);
        command.Parameters.AddWithValue("attempt", claim.Attempt);
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        CommandValues.Add(command, values);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))! == 1;
    }

    private async Task<(ReportJob Job, string Hash)?> FindByIdempotencyKeyAsync(string owner, string key, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns}, parameters_hash FROM reports.jobs WHERE owner = @owner AND idempotency_key = @key");
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.AddWithValue("key", key);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (Map(reader), reader.GetString(reader.FieldCount - 1)) : null;
    }

    private static async Task<ReportJob?> ReadOneAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Map(reader) : null;
    }

    internal static ReportJob Map(NpgsqlDataReader r) => new()
    {
        Id = r.GetGuid(0),
        Owner = r.GetString(1),
        ReportType = r.GetString(2),
        Format = r.GetString(3),
        Parameters = JsonDocument.Parse(r.GetString(4)).RootElement,
        Queue = r.GetString(5),
        Status = r.GetString(6),
        Attempt = r.GetInt32(7),
        MaxAttempts = r.GetInt32(8),
        RowsWritten = r.GetInt64(9),
        RowsTotal = r.IsDBNull(10) ? null : r.GetInt64(10),
        SizeBytes = r.IsDBNull(11) ? null : r.GetInt64(11),
        Sha256 = r.IsDBNull(12) ? null : r.GetString(12),
        BlobName = r.IsDBNull(13) ? null : r.GetString(13),
        ContentType = r.IsDBNull(14) ? null : r.GetString(14),
        FileName = r.IsDBNull(15) ? null : r.GetString(15),
        Error = r.IsDBNull(16) ? null : r.GetString(16),
        TraceParent = r.IsDBNull(17) ? null : r.GetString(17),
        Checkpoint = r.IsDBNull(18) ? null : r.GetString(18),
        CreatedAt = r.GetFieldValue<DateTimeOffset>(19),
        StartedAt = r.IsDBNull(20) ? null : r.GetFieldValue<DateTimeOffset>(20),
        FinishedAt = r.IsDBNull(21) ? null : r.GetFieldValue<DateTimeOffset>(21),
        ErrorCode = r.IsDBNull(22) ? null : r.GetString(22),
        WebhookUrl = r.IsDBNull(23) ? null : r.GetString(23),
        UpdatedAt = r.GetFieldValue<DateTimeOffset>(24),
        ScheduleId = r.IsDBNull(25) ? null : r.GetGuid(25),
        FireTime = r.IsDBNull(26) ? null : r.GetFieldValue<DateTimeOffset>(26),
        ExpiresAt = r.IsDBNull(27) ? null : r.GetFieldValue<DateTimeOffset>(27),
        Released = r.GetInt32(28),
        WaitReason = r.IsDBNull(29) ? null : r.GetString(29),
        WaitingUntil = r.IsDBNull(30) ? null : r.GetFieldValue<DateTimeOffset>(30),
        ReplayOf = r.IsDBNull(31) ? null : r.GetGuid(31),
        DefinitionVersion = r.IsDBNull(32) ? null : r.GetString(32),
    };
}

/// <summary>A job's outcome to record: its file (none for a format without one), kept for <see cref="Retention"/>.</summary>
/// <summary>
/// A job's place in a batch of claims: its claim, or null when it could not be claimed; <see cref="Locked"/> when its row
/// was held by another transaction, so it was not tried (null claim, but not "claimed elsewhere").
/// </summary>
public sealed record BatchClaim(ClaimedJob? Claim, bool Locked);

public sealed record JobCompletion(ClaimedJob Claim, ReportFile? File, TimeSpan Retention);

/// <summary>What a sweep put back on the outbox: stranded jobs queued again, and queued jobs published again.</summary>
public sealed record StrandedJobs(int Requeued, int Republished);

/// <summary>The result of accepting a job: the job, and whether it is new or an idempotent replay.</summary>
public sealed record CreateOutcome(ReportJob Job, bool Created, bool ParametersDiffer);

/// <summary>A page of waiting jobs re-evaluated: how many were released, how many were read, and where the next page starts.</summary>
public sealed record WaitingPage(int Released, int Read, (DateTimeOffset At, Guid Id)? Last);
