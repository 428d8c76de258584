using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Reports.Api.Problems;
using Reports.Core.Scheduling;

namespace Reports.Api.Features.Ops;

/// <summary>
/// The schedules view of the operations page: every owner's schedules with their fire times over the next 24 hours or
/// 7 days (computed with Cronos as the scheduler does), their latest run and their health.
/// </summary>
public static class OpsSchedulesApi
{
    /// <summary>Bounds, so a minutely schedule or thousands of schedules make a bounded answer.</summary>
    private const int MaxSchedules = 500;

    private const int MaxFireTimesPerSchedule = 200;

    public static RouteGroupBuilder MapOpsSchedules(this RouteGroupBuilder group)
    {
        group.MapGet("/schedules", SchedulesAsync).WithName("OpsSchedules")
            .WithSummary("Every owner's schedules: fire times over the next 1 or 7 days, the latest run and its outcome, and health.")
            .WithDescription($"At most {MaxSchedules} schedules and {MaxFireTimesPerSchedule} fire times each (fireTimesTruncated says when "
                + "more would follow). Health is missed (not fired within the grace period), failing (the last N finished runs failed), "
                + "paused or ok.");
        return group;
    }

    private static async Task<Results<Ok<OpsSchedulesResource>, ValidationProblem>> SchedulesAsync(
        ScheduleStore store, ScheduleMonitor monitor, TimeProvider time,
        [Description("The calendar's length in days: 1 (default) or 7.")] int? days,
        CancellationToken cancellationToken)
    {
        if (days is not (null or 1 or 7))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["days"] = ["Must be 1 or 7."] },
                title: "The schedules request is not valid.", type: ProblemTypes.Validation);
        }

        var from = time.GetUtcNow();
        var to = from.AddDays(days ?? 1);
        var schedules = (await store.ListAsync(owner: null, cancellationToken)).Take(MaxSchedules).ToList();
        var runs = await monitor.RunsAsync([.. schedules.Select(s => s.Id)], cancellationToken);
        var items = schedules.Select(s =>
        {
            var (cron, _, _) = CronSchedule.Parse(s.Cron, s.TimeZone);
            var times = s.Paused || cron is null ? [] : cron.Between(from, to, MaxFireTimesPerSchedule + 1);
            var run = runs.GetValueOrDefault(s.Id);
            var missed = monitor.IsMissed(s);
            var failing = run is not null && monitor.IsFailing(run);
            return new OpsScheduleResource(s.Id, s.Owner, s.Name, s.ReportType, s.Cron, s.TimeZone, s.Paused,
                missed ? "missed" : failing ? "failing" : s.Paused ? "paused" : "ok", run?.FailuresInARow ?? 0, s.NextFireAt, s.LastFireAt,
                run?.LastRun, [.. times.Take(MaxFireTimesPerSchedule)], times.Count > MaxFireTimesPerSchedule);
        });
        return TypedResults.Ok(new OpsSchedulesResource(from, to, [.. items]));
    }
}

public sealed record OpsSchedulesResource(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<OpsScheduleResource> Schedules);

public sealed record OpsScheduleResource(
    Guid Id, string Owner, string Name, string Type, string Cron, string TimeZone, bool Paused,
    [property: Description("ok, paused, missed or failing.")] string State,
    int FailuresInARow, DateTimeOffset? NextFireAt, DateTimeOffset? LastFireAt, ScheduleLastRun? LastRun,
    [property: Description("Fire times in [from, to], UTC.")] IReadOnlyList<DateTimeOffset> FireTimes,
    bool FireTimesTruncated);
