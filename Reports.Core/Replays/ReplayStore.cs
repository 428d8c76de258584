using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Reports.Core.Jobs;
using Reports.Core.Storage;
using Reports.Core.Webhooks;

namespace Reports.Core.Replays;

/// <summary>
/// Replays as the operator sees them: a filter previewed, a selection taken once (in the order it will be replayed),
/// its progress, and the state changes pause, resume and cancel, each a compare-and-set on the replay's status.
/// </summary>
public sealed class ReplayStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    /// <summary>A preview counts no further than this: the count of a wide filter stays cheap however many match.</summary>
    public const int PreviewCountCap = 10_000;

    private const string Columns =
        "id, kind, status, filter, created_by, selected, replayed, skipped, failed, created_at, updated_at, finished_at, lease_owner, held_since";

    /// <summary>Failed reports matching the filter (parameters from, to, type, error_code, owner, queue), oldest failure first.</summary>
    private const string DeadLetters = """
        FROM reports.jobs AS j
        WHERE j.status = 'failed'
          AND (@from::timestamptz IS NULL OR j.finished_at >= @from)
          AND (@to::timestamptz IS NULL OR j.finished_at < @to)
          AND (@type::text IS NULL OR j.report_type = @type)
          AND (@error_code::text IS NULL OR j.error_code = @error_code)
          AND (@owner::text IS NULL OR j.owner = @owner)
          AND (@queue::text IS NULL OR j.queue = @queue)
        """;

    private const string DeadLetterReplayed = "EXISTS (SELECT 1 FROM reports.jobs AS r WHERE r.replay_of = j.id)";

    /// <summary>Deliveries that gave up matching the filter (from, to, owner, url, host, error_code, report_id).</summary>
    private const string FailedDeliveries = """
        FROM reports.webhook_deliveries AS d JOIN reports.jobs AS j ON j.id = d.job_id
        WHERE d.status = 'failed'
          AND (@from::timestamptz IS NULL OR d.failed_at >= @from)
          AND (@to::timestamptz IS NULL OR d.failed_at < @to)
          AND (@owner::text IS NULL OR j.owner = @owner)
          AND (@url::text IS NULL OR d.url = @url)
          AND (@host::text IS NULL OR lower(substring(d.url FROM '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?(\[[^\]]*\]|[^/:?#]*)')) = lower(@host))
          AND (@error_code::text IS NULL OR d.last_error_code = @error_code)
          AND (@report_id::uuid IS NULL OR d.job_id = @report_id)
        """;

    public async Task<ReplayPreview<ReportJob>> PreviewDeadLettersAsync(DeadLetterFilter filter, int sample, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var (count, replayed) = await CountAsync(connection,
            $"SELECT count(*), count(*) FILTER (WHERE {DeadLetterReplayed}) FROM (SELECT j.id {DeadLetters} LIMIT @cap + 1) AS j", Bind(filter), cancellationToken);
        await using var command = new NpgsqlCommand(
            $"SELECT {JobStore.Columns} FROM reports.jobs WHERE id IN (SELECT j.id {DeadLetters} ORDER BY j.finished_at, j.id LIMIT @sample) ORDER BY finished_at, id",
            connection);
        Bind(filter)(command.Parameters);
        command.Parameters.AddWithValue("sample", sample);
        var jobs = new List<ReportJob>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            jobs.Add(JobStore.Map(reader));
        }

        return new ReplayPreview<ReportJob>(Math.Min(count, PreviewCountCap), count > PreviewCountCap, Math.Min(replayed, PreviewCountCap), jobs);
    }

    public async Task<ReplayPreview<WebhookDelivery>> PreviewDeliveriesAsync(DeliveryFilter filter, int sample, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var (count, _) = await CountAsync(connection, $"SELECT count(*), 0::bigint FROM (SELECT d.id {FailedDeliveries} LIMIT @cap + 1) AS d", Bind(filter), cancellationToken);
        await using var command = new NpgsqlCommand(
            $"SELECT {Prefixed(WebhookDeliveryStore.Columns, "d")} {FailedDeliveries} ORDER BY d.failed_at, d.id LIMIT @sample", connection);
        Bind(filter)(command.Parameters);
        command.Parameters.AddWithValue("sample", sample);
        return new ReplayPreview<WebhookDelivery>(Math.Min(count, PreviewCountCap), count > PreviewCountCap, 0, await WebhookDeliveryStore.ReadAllAsync(command, cancellationToken));
    }

    /// <summary>
    /// Takes the selection of a new replay of dead letters, oldest failure first, in the transaction that writes the
    /// replay: no replay when nothing matches, or when more than <paramref name="maxSelection"/> do.
    /// </summary>
    public Task<ReplayCreation> CreateDeadLetterReplayAsync(DeadLetterFilter filter, string createdBy, int maxSelection, CancellationToken cancellationToken) =>
        CreateAsync(ReplayKind.Jobs, JsonSerializer.SerializeToElement(filter, ReplayFilterJson.Default.DeadLetterFilter),
            $"SELECT j.id, j.finished_at {DeadLetters}", "finished_at, id", Bind(filter), createdBy, maxSelection, cancellationToken);

    public Task<ReplayCreation> CreateDeliveryReplayAsync(DeliveryFilter filter, string createdBy, int maxSelection, CancellationToken cancellationToken) =>
        CreateAsync(ReplayKind.Webhooks, JsonSerializer.SerializeToElement(filter, ReplayFilterJson.Default.DeliveryFilter),
            $"SELECT d.id, d.failed_at AS finished_at {FailedDeliveries}", "finished_at, id", Bind(filter), createdBy, maxSelection, cancellationToken);

    public async Task<Replay?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM reports.replays WHERE id = @id");
        command.Parameters.AddWithValue("id", id);
        return (await ReadAllAsync(command, cancellationToken)).SingleOrDefault();
    }

    /// <summary>The newest replays first.</summary>
    public async Task<IReadOnlyList<Replay>> ListAsync(int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM reports.replays ORDER BY created_at DESC, id DESC LIMIT @limit");
        command.Parameters.AddWithValue("limit", limit);
        return await ReadAllAsync(command, cancellationToken);
    }

    /// <summary>
    /// Up to <paramref name="limit"/> members of a replay after position <paramref name="after"/>, in their order, with
    /// their outcomes; only those with <paramref name="outcome"/> when given (<see cref="ReplayOutcome.Pending"/>: not reached yet).
    /// </summary>
    public async Task<IReadOnlyList<ReplayItem>> ItemsAsync(Guid id, int after, int limit, string? outcome, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT position, item_id, outcome, replayed_as, done_at FROM reports.replay_items
            WHERE replay_id = @id AND position > @after
              AND (@outcome::text IS NULL OR outcome = @outcome OR (@outcome = 'pending' AND outcome IS NULL))
            ORDER BY position LIMIT @limit
            """);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("after", after);
        command.Parameters.AddWithValue("limit", limit);
        command.Parameters.AddWithValue("outcome", (object?)outcome ?? DBNull.Value);
        var items = new List<ReplayItem>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new ReplayItem(reader.GetInt32(0), reader.GetGuid(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetGuid(3), reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4)));
        }

        return items;
    }

    /// <summary>Running → paused. The runner sees it at its next step and lets the replay go.</summary>
    public Task<ReplayTransition> PauseAsync(Guid id, CancellationToken cancellationToken) =>
        TransitionAsync(id, "status = 'paused'", [ReplayStatus.Running], cancellationToken);

    /// <summary>Paused → running, free for any worker's runner to take.</summary>
    public Task<ReplayTransition> ResumeAsync(Guid id, CancellationToken cancellationToken) =>
        TransitionAsync(id, "status = 'running', lease_owner = NULL, lease_expires_at = NULL, held_since = NULL", [ReplayStatus.Paused], cancellationToken);

    /// <summary>Running or paused → cancelled: what was not replayed yet stays as it is.</summary>
    public Task<ReplayTransition> CancelAsync(Guid id, CancellationToken cancellationToken) =>
        TransitionAsync(id, "status = 'cancelled', finished_at = @now, lease_owner = NULL, lease_expires_at = NULL, held_since = NULL",
            [ReplayStatus.Running, ReplayStatus.Paused], cancellationToken);

    private async Task<ReplayTransition> TransitionAsync(Guid id, string set, string[] from, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"UPDATE reports.replays SET {set}, updated_at = @now WHERE id = @id AND status = ANY(@from) RETURNING {Columns}");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("from", from);
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        if ((await ReadAllAsync(command, cancellationToken)).SingleOrDefault() is { } changed)
        {
            return new ReplayTransition(changed, Changed: true);
        }

        return new ReplayTransition(await GetAsync(id, cancellationToken), Changed: false);
    }

    private async Task<ReplayCreation> CreateAsync(
        string kind, JsonElement filter, string select, string order, Action<NpgsqlParameterCollection> bind, string createdBy, int maxSelection,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var id = JobIds.New();
        var now = time.GetUtcNow();
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO reports.replays (id, kind, status, filter, created_by, selected, created_at, updated_at)
            VALUES (@id, @kind, 'running', @filter, @created_by, 0, @now, @now)
            """, connection, transaction))
        {
            insert.Parameters.AddWithValue("id", id);
            insert.Parameters.AddWithValue("kind", kind);
            insert.Parameters.AddWithValue("filter", NpgsqlDbType.Jsonb, filter.GetRawText());
            insert.Parameters.AddWithValue("created_by", createdBy);
            insert.Parameters.AddWithValue("now", now);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        // One more than allowed is enough to know the filter matches too many; the rest is never read.
        await using var items = new NpgsqlCommand($"""
            WITH selection AS ({select} ORDER BY {order} LIMIT @max + 1),
            members AS (
                INSERT INTO reports.replay_items (replay_id, position, item_id)
                SELECT @id, row_number() OVER (ORDER BY {order}), id FROM selection
                RETURNING 1)
            SELECT count(*) FROM members
            """, connection, transaction);
        bind(items.Parameters);
        items.Parameters.AddWithValue("id", id);
        items.Parameters.AddWithValue("max", maxSelection);
        var matched = (int)(long)(await items.ExecuteScalarAsync(cancellationToken))!;
        if (matched == 0 || matched > maxSelection)
        {
            await transaction.RollbackAsync(cancellationToken);
            return new ReplayCreation(null, matched);
        }

        await using (var count = new NpgsqlCommand("UPDATE reports.replays SET selected = @selected WHERE id = @id", connection, transaction))
        {
            count.Parameters.AddWithValue("id", id);
            count.Parameters.AddWithValue("selected", matched);
            await count.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return new ReplayCreation(await GetAsync(id, cancellationToken), matched);
    }

    private static async Task<(int Count, int Replayed)> CountAsync(
        NpgsqlConnection connection, string sql, Action<NpgsqlParameterCollection> bind, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        bind(command.Parameters);
        command.Parameters.AddWithValue("cap", PreviewCountCap);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return ((int)reader.GetInt64(0), (int)reader.GetInt64(1));
    }

    private static Action<NpgsqlParameterCollection> Bind(DeadLetterFilter f) => p =>
    {
        p.AddWithValue("from", f.From is { } from ? from : DBNull.Value);
        p.AddWithValue("to", f.To is { } to ? to : DBNull.Value);
        p.AddWithValue("type", (object?)f.Type ?? DBNull.Value);
        p.AddWithValue("error_code", (object?)f.ErrorCode ?? DBNull.Value);
        p.AddWithValue("owner", (object?)f.Owner ?? DBNull.Value);
        p.AddWithValue("queue", (object?)f.Queue ?? DBNull.Value);
    };

    private static Action<NpgsqlParameterCollection> Bind(DeliveryFilter f) => p =>
    {
        p.AddWithValue("from", f.From is { } from ? from : DBNull.Value);
        p.AddWithValue("to", f.To is { } to ? to : DBNull.Value);
        p.AddWithValue("owner", (object?)f.Owner ?? DBNull.Value);
        p.AddWithValue("url", (object?)f.Url ?? DBNull.Value);
        p.AddWithValue("host", (object?)f.Host ?? DBNull.Value);
        p.AddWithValue("error_code", (object?)f.ErrorCode ?? DBNull.Value);
        p.AddWithValue("report_id", f.ReportId is { } report ? report : DBNull.Value);
    };

    private static string Prefixed(string columns, string alias) =>
        string.Join(", ", columns.Split(',', StringSplitOptions.TrimEntries).Select(c => $"{alias}.{c}"));

    private static async Task<IReadOnlyList<Replay>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var replays = new List<Replay>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            replays.Add(new Replay
            {
                Id = reader.GetGuid(0),
                Kind = reader.GetString(1),
                Status = reader.GetString(2),
                Filter = JsonDocument.Parse(reader.GetString(3)).RootElement,
                CreatedBy = reader.GetString(4),
                Selected = reader.GetInt32(5),
                Replayed = reader.GetInt32(6),
                Skipped = reader.GetInt32(7),
                Failed = reader.GetInt32(8),
                CreatedAt = reader.GetFieldValue<DateTimeOffset>(9),
                UpdatedAt = reader.GetFieldValue<DateTimeOffset>(10),
                FinishedAt = reader.IsDBNull(11) ? null : reader.GetFieldValue<DateTimeOffset>(11),
                LeaseOwner = reader.IsDBNull(12) ? null : reader.GetString(12),
                HeldSince = reader.IsDBNull(13) ? null : reader.GetFieldValue<DateTimeOffset>(13),
            });
        }

        return replays;
    }
}

/// <summary>A state change asked of a replay: the replay as it is now (null: unknown), and whether it changed.</summary>
public sealed record ReplayTransition(Replay? Replay, bool Changed);
