using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Reports.Core.Scheduling;

/// <summary>When a schedule counts as missed or failing (<c>Reports:Schedules:Monitoring</c>).</summary>
public sealed class ScheduleMonitoringOptions
{
    public const string SectionName = "Reports:Schedules:Monitoring";

    /// <summary>A schedule not fired this long after its fire time is missed (the scheduler is down or stuck).</summary>
    [Range(typeof(TimeSpan), "00:00:05", "1.00:00:00")]
    public TimeSpan MissedGrace { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>A schedule whose last this many finished runs all failed is failing.</summary>
    [Range(1, 100)]
    public int FailuresInARow { get; set; } = 3;

    /// <summary>How often the API checks every schedule for the health signal and the gauges.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>A schedule's latest run: the job its latest fire time made, and how that job stands.</summary>
public sealed record ScheduleLastRun(Guid JobId, string Status, DateTimeOffset FireTime, DateTimeOffset? FinishedAt);

/// <summary>How a schedule's runs go: its latest run, and how many of its latest finished runs failed in a row (up to the limit).</summary>
public sealed record ScheduleRuns(ScheduleLastRun? LastRun, int FailuresInARow);

/// <summary>The schedules that need someone: missed (not fired in time) and failing (N failures in a row), at most 100 ids of each.</summary>
public sealed record ScheduleHealthReport(DateTimeOffset CheckedAt, IReadOnlyList<Guid> Missed, IReadOnlyList<Guid> Failing)
{
    public bool Healthy => Missed.Count == 0 && Failing.Count == 0;
}

/// <summary>Reads how schedules fare from PostgreSQL: their runs (the jobs they made) and whether they fire on time.</summary>
public sealed class ScheduleMonitor(NpgsqlDataSource dataSource, IOptions<ScheduleMonitoringOptions> options, TimeProvider time)
{
    /// <summary>The runs of a finished job that end a streak of failures; an expired report had succeeded.</summary>
    private const string Finished = "status IN ('succeeded', 'failed', 'cancelled', 'expired')";

    /// <summary>
    /// The number of failures in a row among the schedule's latest finished runs, at most @n: row by row from the newest,
    /// up to the first that did not fail. Uses jobs_schedule_fire_time (schedule_id, fire_time).
    /// </summary>
    private const string Streak = $"""
        SELECT coalesce(min(rn) FILTER (WHERE status <> 'failed') - 1, count(*))::integer AS failures
        FROM (SELECT status, row_number() OVER (ORDER BY fire_time DESC) AS rn
              FROM (SELECT status, fire_time FROM reports.jobs WHERE schedule_id = s.id AND {Finished}
                    ORDER BY fire_time DESC LIMIT @n) AS recent) AS numbered
        """;

    public ScheduleMonitoringOptions Options => options.Value;

    /// <summary>Missed: not paused, and its fire time is more than the grace period past.</summary>
    public bool IsMissed(Schedule schedule) =>
        !schedule.Paused && schedule.NextFireAt is { } due && due < time.GetUtcNow() - options.Value.MissedGrace;

    public bool IsFailing(ScheduleRuns runs) => runs.FailuresInARow >= options.Value.FailuresInARow;

    /// <summary>The runs of each schedule in <paramref name="ids"/> (one statement, whatever their number).</summary>
    public async Task<IReadOnlyDictionary<Guid, ScheduleRuns>> RunsAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken)
    {
        var runs = new Dictionary<Guid, ScheduleRuns>();
        if (ids.Count == 0)
        {
            return runs;
        }

        await using var command = dataSource.CreateCommand($"""
            SELECT s.id, last.id, last.status, last.fire_time, last.finished_at, streak.failures
            FROM unnest(@ids::uuid[]) AS s(id)
            LEFT JOIN LATERAL (SELECT id, status, fire_time, finished_at FROM reports.jobs WHERE schedule_id = s.id
                               ORDER BY fire_time DESC LIMIT 1) AS last ON true
            CROSS JOIN LATERAL ({Streak}) AS streak
            """);
        command.Parameters.AddWithValue("ids", ids.ToArray());
        command.Parameters.AddWithValue("n", options.Value.FailuresInARow);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var last = reader.IsDBNull(1) ? null : new ScheduleLastRun(reader.GetGuid(1), reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3), reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4));
            runs[reader.GetGuid(0)] = new ScheduleRuns(last, reader.GetInt32(5));
        }

        return runs;
    }

    /// <summary>Every owner's missed and failing schedules (paused ones are neither), at most 100 of each (the latest missed first).</summary>
    public async Task<ScheduleHealthReport> CheckAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var command = dataSource.CreateCommand($"""
            SELECT 'missed', id FROM (SELECT id FROM reports.schedules WHERE NOT paused AND next_fire_at < @due_before
                                     ORDER BY next_fire_at DESC LIMIT 100) AS missed
            UNION ALL
            SELECT 'failing', id FROM (SELECT s.id FROM reports.schedules AS s CROSS JOIN LATERAL ({Streak}) AS streak
                                       WHERE NOT s.paused AND streak.failures >= @n LIMIT 100) AS failing
            """);
        command.Parameters.AddWithValue("due_before", now - options.Value.MissedGrace);
        command.Parameters.AddWithValue("n", options.Value.FailuresInARow);
        var missed = new List<Guid>();
        var failing = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            (reader.GetString(0) == "missed" ? missed : failing).Add(reader.GetGuid(1));
        }

        return new ScheduleHealthReport(now, missed, failing);
    }
}
