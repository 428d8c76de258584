using System.ComponentModel;
using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Reports.Api.Auth;
using Reports.Api.Problems;
using Reports.Core.Catalog;
using Reports.Core.Scheduling;

namespace Reports.Api.Features.Schedules;

/// <summary>/api/schedules: an owner's schedules (admins see all), with their next fire times.</summary>
public static class SchedulesApi
{
    public static RouteGroupBuilder MapSchedulesApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/schedules").WithTags("Schedules").RequireAuthorization();
        // Creates and replaces count in the owner's creates per minute, with report creates.
        group.MapPost("/", CreateAsync).WithName("CreateSchedule").RequireRateLimiting(RequestLimits.CreatePolicy)
            .WithSummary("Creates a schedule; answers with its next fire times.")
            .WithDescription("Validates the cron expression, time zone, report type and parameters; 409 when the owner already has as many "
                + "schedules as allowed.")
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/", ListAsync).WithName("ListSchedules").WithSummary("The caller's schedules (every owner's for admins).")
            .WithDescription("Every schedule of the caller with its next five fire times (none while paused).");
        group.MapGet("/{id:guid}", GetAsync).WithName("GetSchedule").WithSummary("A schedule and its next fire times.")
            .WithDescription("Another owner's schedule answers 404, like a missing one.").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPut("/{id:guid}", ReplaceAsync).WithName("ReplaceSchedule").RequireRateLimiting(RequestLimits.CreatePolicy)
            .WithSummary("Replaces a schedule (pause it with paused: true).")
            .WithDescription("The whole schedule is replaced; its next fire time is computed again, at least the minimum interval after "
                + "its last fire. 404 when it was deleted meanwhile; 409 when it kept firing while being replaced.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/{id:guid}/history", HistoryAsync).WithName("GetScheduleHistory")
            .WithSummary("A schedule's changes, newest first: who changed what (old → new), when.")
            .WithDescription("Created, updated, paused, resumed and deleted, each with the caller's owner and API key id; kept after the "
                + "schedule is deleted. Pages of at most `limit`; pass nextCursor as `cursor`. Another owner's schedule answers 404.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapDelete("/{id:guid}", DeleteAsync).WithName("DeleteSchedule").WithSummary("Deletes a schedule; its reports stay.")
            .WithDescription("The schedule fires no more; reports it already requested are kept and can still be read.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<Results<Created<ScheduleResource>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        ScheduleRequest request, HttpContext http, ScheduleValidation validation, ScheduleStore store, ScheduleMonitor monitor,
        IOptions<ScheduleLimits> limits, TimeProvider time, CancellationToken cancellationToken)
    {
        var (cron, errors) = validation.Validate(request);
        if (cron is null)
        {
            return TypedResults.ValidationProblem(errors, title: "The schedule is not valid.", type: ProblemTypes.Validation);
        }

        var most = limits.Value.MaxPerOwner;
        var saved = await store.CreateAsync(ToSchedule(Guid.CreateVersion7(), http.User.Owner(), request, cron, time, null, limits.Value), most,
            Actor(http.User), cancellationToken);
        return saved is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.ScheduleQuota, title: "Schedule limit reached.",
                detail: $"This owner already has {most} schedules; delete one to create another.")
            : TypedResults.Created($"/api/schedules/{saved.Id}", await ToResourceAsync(saved, monitor, time, cancellationToken));
    }

    private static async Task<Ok<IReadOnlyList<ScheduleResource>>> ListAsync(
        HttpContext http, ScheduleStore store, ScheduleMonitor monitor, TimeProvider time, CancellationToken cancellationToken)
    {
        var schedules = await store.ListAsync(http.User.OwnerScope(), cancellationToken);
        var runs = await monitor.RunsAsync([.. schedules.Select(s => s.Id)], cancellationToken);
        return TypedResults.Ok<IReadOnlyList<ScheduleResource>>([.. schedules.Select(s => ToResource(s, runs.GetValueOrDefault(s.Id), monitor, time))]);
    }

    private static async Task<Results<Ok<ScheduleResource>, ProblemHttpResult>> GetAsync(
        Guid id, HttpContext http, ScheduleStore store, ScheduleMonitor monitor, TimeProvider time, CancellationToken cancellationToken) =>
        await store.GetAsync(id, http.User.OwnerScope(), cancellationToken) is { } schedule
            ? TypedResults.Ok(await ToResourceAsync(schedule, monitor, time, cancellationToken))
            : NotFound(id);

    private static async Task<Results<Ok<ScheduleHistoryPage>, ValidationProblem, ProblemHttpResult>> HistoryAsync(
        Guid id, HttpContext http, ScheduleStore store,
        [Description("Page size, 1 to 200 (default 50).")] int? limit,
        [Description("The nextCursor of the previous page.")] string? cursor,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (limit is < 1 or > 200)
        {
            errors["limit"] = ["Must be between 1 and 200."];
        }

        long? before = null;
        if (cursor is not null)
        {
            if (long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed > 0)
            {
                before = parsed;
            }
            else
            {
                errors["cursor"] = ["Not a cursor returned by this list."];
            }
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The history request is not valid.", type: ProblemTypes.Validation);
        }

        // Only the owner's rows are read: another owner's schedule has no history to show, and answers like a missing one.
        var owner = http.User.OwnerScope();
        var size = limit ?? 50;
        var changes = await store.HistoryAsync(id, owner, before, size, cancellationToken);
        if (changes.Count == 0 && before is null && await store.GetAsync(id, owner, cancellationToken) is null)
        {
            return NotFound(id);
        }

        var next = changes.Count == size ? changes[^1].Id.ToString(CultureInfo.InvariantCulture) : null;
        return TypedResults.Ok(new ScheduleHistoryPage(
            [.. changes.Select(c => new ScheduleChangeResource(c.Id, c.Action, c.Changes, c.Actor, c.ActorKey, c.ChangedAt))], next));
    }

    /// <summary>How often a replace is tried again when the schedule fired between its read and its update.</summary>
    private const int ReplaceTries = 3;

    private static async Task<Results<Ok<ScheduleResource>, ValidationProblem, ProblemHttpResult>> ReplaceAsync(
        Guid id, ScheduleRequest request, HttpContext http, ScheduleValidation validation, ScheduleStore store, ScheduleMonitor monitor,
        IOptions<ScheduleLimits> limits, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(id, http.User.OwnerScope(), cancellationToken) is not { } existing)
        {
            return NotFound(id);
        }

        var (cron, errors) = validation.Validate(request);
        if (cron is null)
        {
            return TypedResults.ValidationProblem(errors, title: "The schedule is not valid.", type: ProblemTypes.Validation);
        }

        // The next fire time keeps the minimum interval after the last one, so replacing a schedule never fires it
        // faster. The update is conditional on the owner and on that last fire time: a schedule deleted meanwhile is
        // a 404, one that fired meanwhile is read again.
        for (var tries = 1; ; tries++)
        {
            var replacement = ToSchedule(id, existing.Owner, request, cron, time, existing.LastFireAt, limits.Value);
            if (await store.ReplaceAsync(replacement, existing.LastFireAt, Actor(http.User), cancellationToken) is { } saved)
            {
                return TypedResults.Ok(await ToResourceAsync(saved, monitor, time, cancellationToken));
            }

            if (await store.GetAsync(id, existing.Owner, cancellationToken) is not { } current)
            {
                return NotFound(id);
            }

            if (tries == ReplaceTries)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.Conflict, title: "Schedule changed meanwhile.",
                    detail: "The schedule fired while it was being replaced; send the request again.");
            }

            existing = current;
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(Guid id, HttpContext http, ScheduleStore store, CancellationToken cancellationToken) =>
        await store.DeleteAsync(id, http.User.OwnerScope(), Actor(http.User), cancellationToken) ? TypedResults.NoContent() : NotFound(id);

    /// <summary>Who the history names: the caller's owner and API key id.</summary>
    private static ScheduleActor Actor(ClaimsPrincipal user) =>
        new(user.Owner(), Guid.TryParse(user.FindFirstValue(ApiKeyAuthenticationHandler.KeyIdClaim), out var key) ? key : null);

    private static Schedule ToSchedule(
        Guid id, string owner, ScheduleRequest request, CronSchedule cron, TimeProvider time, DateTimeOffset? lastFire, ScheduleLimits limits) => new()
    {
        Id = id,
        Owner = owner,
        Name = request.Name!,
        ReportType = request.Type!,
        Format = request.Format ?? ReportFormats.Csv,
        Parameters = request.Parameters ?? JsonSerializer.SerializeToElement(new { }),
        Cron = request.Cron!,
        TimeZone = cron.Zone.Id,
        Paused = request.Paused ?? false,
        MissedPolicy = request.MissedPolicy ?? MissedFirePolicy.FireOnce,
        WebhookUrl = request.WebhookUrl,
        EmailRecipients = request.EmailRecipients ?? [],
        // The next fire time after now (creating or replacing a schedule never fires it for the past), and at least the
        // minimum interval after the schedule's last fire.
        NextFireAt = cron.NextFire(time.GetUtcNow(), lastFire, limits.MinInterval),
    };

    private static async Task<ScheduleResource> ToResourceAsync(Schedule s, ScheduleMonitor monitor, TimeProvider time, CancellationToken cancellationToken) =>
        ToResource(s, (await monitor.RunsAsync([s.Id], cancellationToken)).GetValueOrDefault(s.Id), monitor, time);

    private static ScheduleResource ToResource(Schedule s, ScheduleRuns? runs, ScheduleMonitor monitor, TimeProvider time)
    {
        var (cron, _, _) = CronSchedule.Parse(s.Cron, s.TimeZone);
        var next = s.Paused || cron is null ? [] : cron.NextTimes(time.GetUtcNow(), 5);
        var missed = monitor.IsMissed(s);
        var failing = runs is not null && monitor.IsFailing(runs);
        var state = missed ? "missed" : failing ? "failing" : s.Paused ? "paused" : "ok";
        return new ScheduleResource(s.Id, s.Name, s.ReportType, s.Format, s.Parameters, s.Cron, s.TimeZone, s.Paused, s.MissedPolicy,
            s.WebhookUrl, s.EmailRecipients, s.LastFireAt, next, s.CreatedAt, s.SkippedFires, s.LastSkippedFireAt, runs?.LastRun,
            new ScheduleHealthResource(state, missed, failing, runs?.FailuresInARow ?? 0, missed ? s.NextFireAt : null));
    }

    private static ProblemHttpResult NotFound(Guid id) =>
        TypedResults.Problem(detail: $"No schedule {id}.", statusCode: StatusCodes.Status404NotFound, title: "Schedule not found.", type: ProblemTypes.NotFound);
}
