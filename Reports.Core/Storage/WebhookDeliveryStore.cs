using Npgsql;
using Reports.Core.Webhooks;

namespace Reports.Core.Storage;

/// <summary>
/// The webhook deliveries table: the outbox of notifications that <see cref="JobStore"/> fills in the statement that
/// makes a job final. Workers claim due rows with a lease; an outcome is recorded only while that claim is current.
/// </summary>
public sealed class WebhookDeliveryStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    internal const string Columns =
        "id, job_id, url, event, status, attempts, last_status_code, last_error, created_at, delivered_at, next_attempt_at, last_error_code, " +
        "retry_from, replays, failed_at, attempts_before_replay";

    /// <summary>
    /// Claims up to <paramref name="limit"/> due deliveries by pushing their next attempt <paramref name="lease"/> ahead:
    /// rows locked by another worker's claim are skipped, and a worker that dies mid-send leaves the row due again
    /// once the lease is over (so a delivery is sent at least once, rarely twice, always with the same id).
    /// </summary>
    public async Task<IReadOnlyList<WebhookDelivery>> ClaimDueAsync(int limit, TimeSpan lease, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            UPDATE reports.webhook_deliveries SET next_attempt_at = @now + @lease
            WHERE id IN (SELECT id FROM reports.webhook_deliveries
                         WHERE status = 'pending' AND next_attempt_at <= @now
                         ORDER BY next_attempt_at LIMIT @limit
                         FOR UPDATE SKIP LOCKED)
            RETURNING {Columns}
            """);
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        command.Parameters.AddWithValue("lease", lease);
        command.Parameters.AddWithValue("limit", limit);
        return await ReadAllAsync(command, cancellationToken);
    }

    /// <summary>Records a delivered attempt of <paramref name="claimed"/>; false when its claim was no longer current (see RecordAsync).</summary>
    public Task<bool> RecordDeliveredAsync(WebhookDelivery claimed, int statusCode, CancellationToken cancellationToken) =>
        RecordAsync(claimed, "status = 'succeeded', delivered_at = @now, last_status_code = @code, last_error = NULL, last_error_code = NULL",
            statusCode, null, null, null, cancellationToken);

    /// <summary>
    /// Records a failed attempt: tried again at <paramref name="retryAt"/> when given, otherwise failed for good. The
    /// error is a stable code and its fixed text (<see cref="Webhooks.WebhookErrors"/>), never an exception's text.
    /// </summary>
    public Task<bool> RecordFailedAsync(
        WebhookDelivery claimed, int? statusCode, string errorCode, string error, DateTimeOffset? retryAt, CancellationToken cancellationToken) =>
        RecordAsync(claimed, retryAt is null
                ? "status = 'failed', failed_at = @now, last_status_code = @code, last_error = @error, last_error_code = @error_code"
                : "next_attempt_at = @retry_at, last_status_code = @code, last_error = @error, last_error_code = @error_code",
            statusCode, errorCode, error, retryAt, cancellationToken);

    /// <summary>
    /// Sends again, under their own ids, the deliveries of one job that gave up: each is pending again now, with a new
    /// retry window. Only failed ones change (compare-and-set), so two replays at once send each delivery once.
    /// </summary>
    public async Task<int> ReplayFailedAsync(Guid jobId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            UPDATE reports.webhook_deliveries SET {ReplaySet}
            WHERE job_id = @job_id AND status = 'failed'
            """);
        command.Parameters.AddWithValue("job_id", jobId);
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A failed delivery made pending again (parameter: now): due at once, its retry window counted from now.</summary>
    internal const string ReplaySet =
        "status = 'pending', next_attempt_at = @now, retry_from = @now, replays = replays + 1, failed_at = NULL, attempts_before_replay = attempts";

    /// <summary>The deliveries of one job, oldest first.</summary>
    public async Task<IReadOnlyList<WebhookDelivery>> ListAsync(Guid jobId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns} FROM reports.webhook_deliveries WHERE job_id = @job_id ORDER BY created_at, id");
        command.Parameters.AddWithValue("job_id", jobId);
        return await ReadAllAsync(command, cancellationToken);
    }

    /// <summary>
    /// Records the outcome of one claimed attempt, fenced by the claim: the row must still be pending with the lease this
    /// claim set. An attempt that outlived its lease (another worker claimed the delivery since) or whose delivery was
    /// replayed meanwhile changes nothing, so a late outcome never overwrites a newer attempt's or counts twice.
    /// </summary>
    private async Task<bool> RecordAsync(
        WebhookDelivery claimed, string set, int? statusCode, string? errorCode, string? error, DateTimeOffset? retryAt,
        CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            UPDATE reports.webhook_deliveries SET {set}, attempts = attempts + 1
            WHERE id = @id AND status = 'pending' AND next_attempt_at = @claimed_until
            """);
        command.Parameters.AddWithValue("id", claimed.Id);
        command.Parameters.AddWithValue("claimed_until", claimed.NextAttemptAt);
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        command.Parameters.AddWithValue("code", statusCode is { } code ? code : DBNull.Value);
        command.Parameters.AddWithValue("error", (object?)error ?? DBNull.Value);
        command.Parameters.AddWithValue("error_code", (object?)errorCode ?? DBNull.Value);
        command.Parameters.AddWithValue("retry_at", retryAt is { } at ? at : DBNull.Value);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    internal static async Task<IReadOnlyList<WebhookDelivery>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var deliveries = new List<WebhookDelivery>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            deliveries.Add(new WebhookDelivery
            {
                Id = reader.GetGuid(0),
                JobId = reader.GetGuid(1),
                Url = reader.GetString(2),
                Event = reader.GetString(3),
                Status = reader.GetString(4),
                Attempts = reader.GetInt32(5),
                LastStatusCode = reader.IsDBNull(6) ? null : reader.GetInt32(6),
                LastError = reader.IsDBNull(7) ? null : reader.GetString(7),
                CreatedAt = reader.GetFieldValue<DateTimeOffset>(8),
                DeliveredAt = reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9),
                NextAttemptAt = reader.GetFieldValue<DateTimeOffset>(10),
                LastErrorCode = reader.IsDBNull(11) ? null : reader.GetString(11),
                RetryFrom = reader.IsDBNull(12) ? null : reader.GetFieldValue<DateTimeOffset>(12),
                Replays = reader.GetInt32(13),
                FailedAt = reader.IsDBNull(14) ? null : reader.GetFieldValue<DateTimeOffset>(14),
                AttemptsBeforeReplay = reader.GetInt32(15),
            });
        }

        return deliveries;
    }
}
