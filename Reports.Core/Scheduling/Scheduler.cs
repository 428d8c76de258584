using Microsoft.Extensions.Logging;
using Npgsql;
using Microsoft.Extensions.Options;
using Reports.Core.Catalog;
using Reports.Core.Jobs;
using Reports.Core.Storage;

namespace Reports.Core.Scheduling;

/// <summary>
/// Fires due schedules. Any number of processes may run it at once: due rows are locked with SKIP LOCKED, and the job
/// (with its outbox row) and the schedule's next fire time are written in one transaction, under a unique
/// (schedule, fire time) key. So a fire time makes at most one report, and a crash in the middle makes none and is
/// retried by the next pass. A scheduled job counts in its owner's active-job quota like any other: a fire time that
/// would go over it is skipped and counted on the schedule. Fire times are never closer than the minimum interval.
/// </summary>
public sealed class Scheduler(
    NpgsqlDataSource dataSource, JobStore jobs, ReportCatalog catalog, IOptions<JobQuotaOptions> quota, IOptions<ScheduleLimits> limits,
    TimeProvider time, ILogger<Scheduler> logger)
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
        // By owner: each insert takes its owner's quota lock until commit, so every scheduler takes them in one order.
        foreach (var schedule in due.OrderBy(s => s.Owner, StringComparer.Ordinal))
        {
            var (cron, _, _) = CronSchedule.Parse(schedule.Cron, schedule.TimeZone);
            if (cron is null)
            {
                await AdvanceAsync(connection, transaction, schedule.Id, next: null, fired: null, skipped: null, cancellationToken);
                logger.LogWarning("Schedule {ScheduleId} has an invalid cron or time zone; it is stopped", schedule.Id);
                continue;
            }

            // The latest due time, however long nothing ran: found by search, not by walking every missed time.
            var first = schedule.NextFireAt!.Value;
            var latest = cron.LatestUntil(first, now);
            var fireTime = MissedFirePolicy.Choose(schedule.MissedPolicy, latest == first ? [first] : [first, latest], now);
            var fired = fireTime;
            DateTimeOffset? skipped = null;
            if (fireTime is { } chosen)
            {
                var (job, errors) = ScheduledReports.Build(schedule, catalog, cron, chosen);
                if (job is null)
                {
                    logger.LogWarning("Schedule {ScheduleId} could not fire at {FireTime}: {Errors}", schedule.Id, chosen,
                        string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
                }
                else
                {
                    var inserted = await jobs.InsertAsync(connection, transaction,
                        job with { ActiveJobQuota = quota.Value.MaxActiveJobsPerOwner }, cancellationToken);
                    created += inserted.Job is null ? 0 : 1;
                    if (inserted.OverQuota)
                    {
                        (fired, skipped) = (null, chosen);
                        logger.LogWarning("Schedule {ScheduleId} skipped {FireTime}: its owner is at the active-job quota", schedule.Id, chosen);
                    }
                }
            }

            if (now - first > MissedFirePolicy.Tolerance)
            {
                Telemetry.ReportsMetrics.SchedulesFiredLate.Add(1, new KeyValuePair<string, object?>("reports.schedule.missed_policy", schedule.MissedPolicy));
            }

            if (latest > first)
            {
                logger.LogInformation("Schedule {ScheduleId} missed fire times from {First} to {Latest}; policy {Policy}",
                    schedule.Id, first, latest, schedule.MissedPolicy);
            }

            // The next fire time is at least the minimum interval after this one, even for a cron stored before the
            // limit existed or brought closer by a daylight-saving shift.
            await AdvanceAsync(connection, transaction, schedule.Id, cron.NextFire(now, fireTime, limits.Value.MinInterval), fired, skipped, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return created;
    }

    private static async Task AdvanceAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, DateTimeOffset? next,
        DateTimeOffset? fired, DateTimeOffset? skipped, CancellationToken cancellationToken)
    {
        await using var update = new NpgsqlCommand("""
            UPDATE reports.schedules SET next_fire_at = @next, last_fire_at = coalesce(@fired, last_fire_at),
                skipped_fires = skipped_fires + CASE WHEN @skipped::timestamptz IS NULL THEN 0 ELSE 1 END,
                last_skipped_fire_at = coalesce(@skipped, last_skipped_fire_at), updated_at = now()
            WHERE id = @id
            """, connection, transaction);
        update.Parameters.AddWithValue("id", id);
        update.Parameters.AddWithValue("next", next is { } n ? n : DBNull.Value);
        update.Parameters.AddWithValue("fired", fired is { } f ? f : DBNull.Value);
        update.Parameters.AddWithValue("skipped", skipped is { } k ? k : DBNull.Value);
        await update.ExecuteNonQueryAsync(cancellationToken);
    }
}
