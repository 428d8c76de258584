using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using NpgsqlTypes;

namespace Reports.Core.Scheduling;

/// <summary>Who changes a schedule: the caller's owner name and API key id.</summary>
public sealed record ScheduleActor(string Owner, Guid? KeyId);

/// <summary>One change of a schedule: what was done, the fields that changed (old → new), who did it and when.</summary>
public sealed record ScheduleChange(long Id, Guid ScheduleId, string Action, JsonElement Changes, string Actor, Guid? ActorKey, DateTimeOffset ChangedAt);

/// <summary>
/// The change history of schedules (<c>reports.schedule_changes</c>). Rows are written by <see cref="ScheduleStore"/> in
/// the transaction of the change itself, so a change is never without its row, nor a row without its change.
/// </summary>
public static class ScheduleHistory
{
    public const string Created = "created";
    public const string Updated = "updated";
    public const string Paused = "paused";
    public const string Resumed = "resumed";
    public const string Deleted = "deleted";

    /// <summary>
    /// The fields a caller sets, old → new, that differ between <paramref name="before"/> and <paramref name="after"/>;
    /// a missing side (created, deleted) is null.
    /// </summary>
    public static JsonObject Diff(Schedule? before, Schedule? after)
    {
        var changes = new JsonObject();
        void Field(string name, Func<Schedule, JsonNode?> value)
        {
            var old = before is null ? null : value(before);
            var @new = after is null ? null : value(after);
            if (!JsonNode.DeepEquals(old, @new))
            {
                changes[name] = new JsonObject { ["old"] = old, ["new"] = @new };
            }
        }

        Field("name", s => s.Name);
        Field("type", s => s.ReportType);
        Field("format", s => s.Format);
        Field("parameters", s => JsonNode.Parse(s.Parameters.GetRawText()));
        Field("cron", s => s.Cron);
        Field("timeZone", s => s.TimeZone);
        Field("paused", s => s.Paused);
        Field("missedPolicy", s => s.MissedPolicy);
        Field("webhookUrl", s => s.WebhookUrl);
        Field("emailRecipients", s => new JsonArray([.. s.EmailRecipients.Select(r => JsonValue.Create(r))]));
        return changes;
    }

    /// <summary>What a replace did: paused or resumed when that is what changed, else updated.</summary>
    public static string ActionOf(Schedule before, Schedule after) =>
        before.Paused == after.Paused ? Updated : after.Paused ? Paused : Resumed;

    internal static async Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid scheduleId, string owner,
        string action, JsonObject changes, ScheduleActor actor, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var insert = new NpgsqlCommand("""
            INSERT INTO reports.schedule_changes (schedule_id, owner, action, changes, actor, actor_key, changed_at)
            VALUES (@schedule, @owner, @action, @changes, @actor, @key::uuid, @at)
            """, connection, transaction);
        insert.Parameters.AddWithValue("schedule", scheduleId);
        insert.Parameters.AddWithValue("owner", owner);
        insert.Parameters.AddWithValue("action", action);
        insert.Parameters.AddWithValue("changes", NpgsqlDbType.Jsonb, changes.ToJsonString());
        insert.Parameters.AddWithValue("actor", actor.Owner);
        insert.Parameters.AddWithValue("key", actor.KeyId is { } key ? key : DBNull.Value);
        insert.Parameters.AddWithValue("at", at);
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// A schedule's changes, newest first, after <paramref name="beforeId"/> when given; with an <paramref name="owner"/>,
    /// only that owner's (another owner's schedule has none to show).
    /// </summary>
    public static async Task<IReadOnlyList<ScheduleChange>> ReadAsync(
        NpgsqlDataSource dataSource, Guid scheduleId, string? owner, long? beforeId, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT id, schedule_id, action, changes::text, actor, actor_key, changed_at FROM reports.schedule_changes
            WHERE schedule_id = @schedule AND (@owner::text IS NULL OR owner = @owner) AND (@before::bigint IS NULL OR id < @before)
            ORDER BY id DESC LIMIT @limit
            """);
        command.Parameters.AddWithValue("schedule", scheduleId);
        command.Parameters.AddWithValue("owner", (object?)owner ?? DBNull.Value);
        command.Parameters.AddWithValue("before", beforeId is { } before ? before : DBNull.Value);
        command.Parameters.AddWithValue("limit", limit);
        var changes = new List<ScheduleChange>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            changes.Add(new ScheduleChange(reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2),
                JsonDocument.Parse(reader.GetString(3)).RootElement, reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetGuid(5), reader.GetFieldValue<DateTimeOffset>(6)));
        }

        return changes;
    }
}
