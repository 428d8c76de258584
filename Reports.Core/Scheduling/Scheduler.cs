using Microsoft.Extensions.Logging;
using Npgsql;
using Reports.Core.Catalog;
using Reports.Core.Storage;

namespace Reports.Core.Scheduling;

/// <summary>
/// Fires due schedules. Any number of processes may run it at once: due rows are locked with SKIP LOCKED, and the job
/// (with its outbox row) and the schedule's next fire time are written in one transaction, under a unique
/// (schedule, fire time) key. So a fire time makes at most one report, and a crash in the middle makes none and is
/// retried by the next pass.
/// </summary>
public sealed class Scheduler(NpgsqlDataSource dataSource, JobStore jobs, ReportCatalog catalog, TimeProvider time, ILogger<Scheduler> logger)
{
    /// <summary>Fires what is due now; returns how many reports it created.</summary>
    public async Task<int> FireDueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var due = new List<Schedule>();
        await using (var select = new NpgsqlCommand($"""
            SELECT {ScheduleStore.Columns} FROM reports.schedules
            WHERE NOT paused AND next_fire_at <= @now
            ORDER BY next_fire_at LIMIT 50
            FOR UPDATE SKIP LOCKED
            """, connection, transaction))
        {
            select.Parameters.AddWithValue("now", now);
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                due.Add(ScheduleStore.Map(reader));
            }
        }

        var created = 0;
        foreach (var schedule in due)
        {
            var (cron, _, _) = CronSchedule.Parse(schedule.Cron, schedule.TimeZone);
            if (cron is null)
            {
                await AdvanceAsync(connection, transaction, schedule.Id, next: null, fired: null, cancellationToken);
                logger.LogWarning("Schedule {ScheduleId} has an invalid cron or time zone; it is stopped", schedule.Id);
                continue;
            }

            var times = new List<DateTimeOffset> { schedule.NextFireAt!.Value };
            times.AddRange(cron.Between(schedule.NextFireAt.Value, now, 1000));
            var fireTime = MissedFirePolicy.Choose(schedule.MissedPolicy, times, now);
            if (fireTime is { } chosen)
            {
                var (job, errors) = ScheduledReports.Build(schedule, catalog, cron, chosen);
                if (job is null)
                {
                    logger.LogWarning("Schedule {ScheduleId} could not fire at {FireTime}: {Errors}", schedule.Id, chosen,
                        string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
                }
                else if (await jobs.InsertAsync(connection, transaction, job, cancellationToken) is not null)
                {
                    created++;
                }
            }

            if (times.Count > 1)
            {
                logger.LogInformation("Schedule {ScheduleId} missed {Missed} fire times; policy {Policy}", schedule.Id, times.Count - 1, schedule.MissedPolicy);
            }

            await AdvanceAsync(connection, transaction, schedule.Id, cron.Next(now), fireTime, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return created;
    }

    private static async Task AdvanceAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, DateTimeOffset? next, DateTimeOffset? fired,
        CancellationToken cancellationToken)
    {
        await using var update = new NpgsqlCommand("""
            UPDATE reports.schedules SET next_fire_at = @next, last_fire_at = coalesce(@fired, last_fire_at), updated_at = now()
            WHERE id = @id
            """, connection, transaction);
        update.Parameters.AddWithValue("id", id);
        update.Parameters.AddWithValue("next", next is { } n ? n : DBNull.Value);
        update.Parameters.AddWithValue("fired", fired is { } f ? f : DBNull.Value);
        await update.ExecuteNonQueryAsync(cancellationToken);
    }
}
