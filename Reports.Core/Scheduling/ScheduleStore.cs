using Npgsql;
using NpgsqlTypes;

namespace Reports.Core.Scheduling;

/// <summary>Schedules in PostgreSQL; every query is scoped to an owner unless the caller is an admin (null owner).</summary>
public sealed class ScheduleStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    internal const string Columns = """
        id, owner, name, report_type, format, parameters::text, cron, time_zone, paused, missed_policy, webhook_url, email_recipients,
        next_fire_at, last_fire_at, created_at, skipped_fires, last_skipped_fire_at
        """;

    /// <summary>
    /// Creates a schedule unless its owner already has <paramref name="maxPerOwner"/>; null when it has. The owner's
    /// creates take turns (a transaction lock per owner), so concurrent requests cannot pass the cap together.
    /// </summary>
    public async Task<Schedule?> CreateAsync(Schedule schedule, int maxPerOwner, ScheduleActor actor, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var turn = new NpgsqlCommand(
            "SELECT pg_advisory_xact_lock(hashtextextended('reports.schedules:' || @owner, 0))", connection, transaction))
        {
            turn.Parameters.AddWithValue("owner", schedule.Owner);
            await turn.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var command = new NpgsqlCommand($"""
            INSERT INTO reports.schedules (id, owner, name, report_type, format, parameters, cron, time_zone, paused, missed_policy,
                                           webhook_url, email_recipients, next_fire_at, created_at, updated_at)
            SELECT @id, @owner, @name, @type, @format, @parameters, @cron, @zone, @paused, @policy, @webhook::text, @emails,
                   @next::timestamptz, @now, @now
            WHERE (SELECT count(*) FROM reports.schedules WHERE owner = @owner) < @max
            RETURNING {Columns}
            """, connection, transaction);
        AddParameters(command, schedule);
        command.Parameters.AddWithValue("max", maxPerOwner);
        Schedule? created = null;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                created = Map(reader);
            }
        }

        if (created is not null)
        {
            await ScheduleHistory.WriteAsync(connection, transaction, created.Id, created.Owner, ScheduleHistory.Created,
                ScheduleHistory.Diff(null, created), actor, time.GetUtcNow(), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return created;
    }

    /// <summary>
    /// Replaces the schedule, provided it has not fired since it was read (<paramref name="lastFireRead"/>, which its next
    /// fire time was computed from), and records what changed in its history, in one transaction: the row is locked,
    /// compared, updated. Null when it is gone (deleted meanwhile) or has fired since: read it again to tell which.
    /// </summary>
    public async Task<Schedule?> ReplaceAsync(Schedule schedule, DateTimeOffset? lastFireRead, ScheduleActor actor, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        Schedule? before = null;
        await using (var read = new NpgsqlCommand(
            $"SELECT {Columns} FROM reports.schedules WHERE id = @id AND owner = @owner FOR UPDATE", connection, transaction))
        {
            read.Parameters.AddWithValue("id", schedule.Id);
            read.Parameters.AddWithValue("owner", schedule.Owner);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                before = Map(reader);
            }
        }

        if (before is null || before.LastFireAt != lastFireRead)
        {
            return null;
        }

        Schedule after;
        await using (var command = new NpgsqlCommand($"""
            UPDATE reports.schedules SET name = @name, report_type = @type, format = @format, parameters = @parameters, cron = @cron,
                time_zone = @zone, paused = @paused, missed_policy = @policy, webhook_url = @webhook::text, email_recipients = @emails,
                next_fire_at = @next::timestamptz, updated_at = @now
            WHERE id = @id AND owner = @owner
            RETURNING {Columns}
            """, connection, transaction))
        {
            AddParameters(command, schedule);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            after = Map(reader);
        }

        var changes = ScheduleHistory.Diff(before, after);
        if (changes.Count > 0)
        {
            await ScheduleHistory.WriteAsync(connection, transaction, after.Id, after.Owner, ScheduleHistory.ActionOf(before, after),
                changes, actor, time.GetUtcNow(), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return after;
    }

    public async Task<Schedule> SaveAsync(Schedule schedule, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            INSERT INTO reports.schedules (id, owner, name, report_type, format, parameters, cron, time_zone, paused, missed_policy,
                                           webhook_url, email_recipients, next_fire_at, created_at, updated_at)
            VALUES (@id, @owner, @name, @type, @format, @parameters, @cron, @zone, @paused, @policy, @webhook, @emails, @next, @now, @now)
            ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, report_type = EXCLUDED.report_type, format = EXCLUDED.format,
                parameters = EXCLUDED.parameters, cron = EXCLUDED.cron, time_zone = EXCLUDED.time_zone, paused = EXCLUDED.paused,
                missed_policy = EXCLUDED.missed_policy, webhook_url = EXCLUDED.webhook_url, email_recipients = EXCLUDED.email_recipients,
                next_fire_at = EXCLUDED.next_fire_at, updated_at = EXCLUDED.updated_at
            RETURNING {Columns}
            """);
        AddParameters(command, schedule);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return Map(reader);
    }

    private void AddParameters(NpgsqlCommand command, Schedule schedule)
    {
        command.Parameters.AddWithValue("id", schedule.Id);
        command.Parameters.AddWithValue("owner", schedule.Owner);
        command.Parameters.AddWithValue("name", schedule.Name);
        command.Parameters.AddWithValue("type", schedule.ReportType);
        command.Parameters.AddWithValue("format", schedule.Format);
        command.Parameters.AddWithValue("parameters", NpgsqlDbType.Jsonb, schedule.Parameters.GetRawText());
        command.Parameters.AddWithValue("cron", schedule.Cron);
        command.Parameters.AddWithValue("zone", schedule.TimeZone);
        command.Parameters.AddWithValue("paused", schedule.Paused);
        command.Parameters.AddWithValue("policy", schedule.MissedPolicy);
        command.Parameters.AddWithValue("webhook", (object?)schedule.WebhookUrl ?? DBNull.Value);
        command.Parameters.AddWithValue("emails", schedule.EmailRecipients.ToArray());
        command.Parameters.AddWithValue("next", schedule.NextFireAt is { } next ? next : DBNull.Value);
        command.Parameters.AddWithValue("now", time.GetUtcNow());
    }

    public async Task<Schedule?> GetAsync(Guid id, string? owner, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns} FROM reports.schedules WHERE id = @id AND (@owner::text IS NULL OR owner = @owner)");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("owner", (object?)owner ?? DBNull.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Map(reader) : null;
    }

    public async Task<IReadOnlyList<Schedule>> ListAsync(string? owner, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns} FROM reports.schedules WHERE (@owner::text IS NULL OR owner = @owner) ORDER BY created_at DESC LIMIT 1000");
        command.Parameters.AddWithValue("owner", (object?)owner ?? DBNull.Value);
        var schedules = new List<Schedule>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            schedules.Add(Map(reader));
        }

        return schedules;
    }

    /// <summary>Deletes the schedule and records it in its history, in one transaction; false when there was none to delete.</summary>
    public async Task<bool> DeleteAsync(Guid id, string? owner, ScheduleActor actor, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        Schedule? deleted = null;
        await using (var command = new NpgsqlCommand(
            $"DELETE FROM reports.schedules WHERE id = @id AND (@owner::text IS NULL OR owner = @owner) RETURNING {Columns}", connection, transaction))
        {
            command.Parameters.AddWithValue("id", id);
            command.Parameters.AddWithValue("owner", (object?)owner ?? DBNull.Value);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                deleted = Map(reader);
            }
        }

        if (deleted is null)
        {
            return false;
        }

        await ScheduleHistory.WriteAsync(connection, transaction, deleted.Id, deleted.Owner, ScheduleHistory.Deleted,
            ScheduleHistory.Diff(deleted, null), actor, time.GetUtcNow(), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>The schedule's changes, newest first; see <see cref="ScheduleHistory.ReadAsync"/>.</summary>
    public Task<IReadOnlyList<ScheduleChange>> HistoryAsync(Guid id, string? owner, long? beforeId, int limit, CancellationToken cancellationToken) =>
        ScheduleHistory.ReadAsync(dataSource, id, owner, beforeId, limit, cancellationToken);

    internal static Schedule Map(NpgsqlDataReader r) => new()
    {
        Id = r.GetGuid(0),
        Owner = r.GetString(1),
        Name = r.GetString(2),
        ReportType = r.GetString(3),
        Format = r.GetString(4),
        Parameters = System.Text.Json.JsonDocument.Parse(r.GetString(5)).RootElement,
        Cron = r.GetString(6),
        TimeZone = r.GetString(7),
        Paused = r.GetBoolean(8),
        MissedPolicy = r.GetString(9),
        WebhookUrl = r.IsDBNull(10) ? null : r.GetString(10),
        EmailRecipients = r.GetFieldValue<string[]>(11),
        NextFireAt = r.IsDBNull(12) ? null : r.GetFieldValue<DateTimeOffset>(12),
        LastFireAt = r.IsDBNull(13) ? null : r.GetFieldValue<DateTimeOffset>(13),
        CreatedAt = r.GetFieldValue<DateTimeOffset>(14),
        SkippedFires = r.GetInt64(15),
        LastSkippedFireAt = r.IsDBNull(16) ? null : r.GetFieldValue<DateTimeOffset>(16),
    };
}
