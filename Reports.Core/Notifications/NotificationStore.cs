using Npgsql;

namespace Reports.Core.Notifications;

/// <summary>The notifications table: the in-app list, and the queue of emails to send.</summary>
public sealed class NotificationStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    private const string Columns = "id, owner, job_id, event, channel, recipient, status, attempts, last_error, created_at, sent_at, read_at";

    public async Task<IReadOnlyList<Notification>> ListInAppAsync(string owner, bool unreadOnly, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {Columns} FROM reports.notifications
            WHERE owner = @owner AND channel = 'in-app' AND (NOT @unread OR status = 'unread')
            ORDER BY created_at DESC, id DESC LIMIT @limit
            """);
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.AddWithValue("unread", unreadOnly);
        command.Parameters.AddWithValue("limit", limit);
        return await ReadAllAsync(command, cancellationToken);
    }

    public async Task<bool> MarkReadAsync(Guid id, string owner, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE reports.notifications SET status = 'read', read_at = coalesce(read_at, @now) WHERE id = @id AND owner = @owner AND channel = 'in-app'");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Claims due emails for <paramref name="lease"/>: another sender takes them only after it (SKIP LOCKED).</summary>
    public async Task<IReadOnlyList<Notification>> ClaimEmailsAsync(int count, TimeSpan lease, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            UPDATE reports.notifications SET attempts = attempts + 1, next_attempt_at = @now + @lease
            WHERE id IN (
                SELECT id FROM reports.notifications
                WHERE channel = 'email' AND status = 'pending' AND next_attempt_at <= @now
                ORDER BY next_attempt_at LIMIT @count
                FOR UPDATE SKIP LOCKED)
            RETURNING {Columns}
            """);
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        command.Parameters.AddWithValue("lease", lease);
        command.Parameters.AddWithValue("count", count);
        return await ReadAllAsync(command, cancellationToken);
    }

    public async Task MarkSentAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE reports.notifications SET status = 'sent', sent_at = @now, last_error = NULL WHERE id = @id");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Records a failed send: retried at <paramref name="retryAt"/>, or failed for good when null.</summary>
    public async Task MarkFailedAsync(Guid id, string error, DateTimeOffset? retryAt, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE reports.notifications
            SET last_error = @error, status = CASE WHEN @retry_at::timestamptz IS NULL THEN 'failed' ELSE 'pending' END,
                next_attempt_at = coalesce(@retry_at, next_attempt_at)
            WHERE id = @id
            """);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("error", error.Length > 500 ? error[..500] : error);
        command.Parameters.AddWithValue("retry_at", retryAt is { } at ? at : DBNull.Value);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<IReadOnlyList<Notification>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var list = new List<Notification>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new Notification(
                reader.GetGuid(0), reader.GetString(1), reader.GetGuid(2), reader.GetString(3), reader.GetString(4), reader.GetString(5),
                reader.GetString(6), reader.GetInt32(7), reader.IsDBNull(8) ? null : reader.GetString(8),
                reader.GetFieldValue<DateTimeOffset>(9),
                reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10),
                reader.IsDBNull(11) ? null : reader.GetFieldValue<DateTimeOffset>(11)));
        }

        return list;
    }
}
