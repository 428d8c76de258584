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
        group.MapDelete("/{id:guid}", DeleteAsync).WithName("DeleteSchedule").WithSummary("Deletes a schedule; its reports stay.")
            .WithDescription("The schedule fires no more; reports it already requested are kept and can still be read.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<Results<Created<ScheduleResource>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        ScheduleRequest request, HttpContext http, ScheduleValidation validation, ScheduleStore store, IOptions<ScheduleLimits> limits, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var (cron, errors) = validation.Validate(request);
        if (cron is null)
        {
            return TypedResults.ValidationProblem(errors, title: "The schedule is not valid.", type: ProblemTypes.Validation);
        }

        var most = limits.Value.MaxPerOwner;
        var saved = await store.CreateAsync(ToSchedule(Guid.CreateVersion7(), http.User.Owner(), request, cron, time, null, limits.Value), most, cancellationToken);
        return saved is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.ScheduleQuota, title: "Schedule limit reached.",
                detail: $"This owner already has {most} schedules; delete one to create another.")
            : TypedResults.Created($"/api/schedules/{saved.Id}", ToResource(saved, time));
    }

    private static async Task<Ok<IReadOnlyList<ScheduleResource>>> ListAsync(HttpContext http, ScheduleStore store, TimeProvider time, CancellationToken cancellationToken) =>
        TypedResults.Ok<IReadOnlyList<ScheduleResource>>([.. (await store.ListAsync(http.User.OwnerScope(), cancellationToken)).Select(s => ToResource(s, time))]);

    private static async Task<Results<Ok<ScheduleResource>, ProblemHttpResult>> GetAsync(
        Guid id, HttpContext http, ScheduleStore store, TimeProvider time, CancellationToken cancellationToken) =>
        await store.GetAsync(id, http.User.OwnerScope(), cancellationToken) is { } schedule ? TypedResults.Ok(ToResource(schedule, time)) : NotFound(id);

    /// <summary>How often a replace is tried again when the schedule fired between its read and its update.</summary>
    private const int ReplaceTries = 3;

    private static async Task<Results<Ok<ScheduleResource>, ValidationProblem, ProblemHttpResult>> ReplaceAsync(
        Guid id, ScheduleRequest request, HttpContext http, ScheduleValidation validation, ScheduleStore store, IOptions<ScheduleLimits> limits,
        TimeProvider time, CancellationToken cancellationToken)
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
            if (await store.ReplaceAsync(replacement, existing.LastFireAt, cancellationToken) is { } saved)
            {
                return TypedResults.Ok(ToResource(saved, time));
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
        await store.DeleteAsync(id, http.User.OwnerScope(), cancellationToken) ? TypedResults.NoContent() : NotFound(id);

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

    private static ScheduleResource ToResource(Schedule s, TimeProvider time)
    {
        var (cron, _, _) = CronSchedule.Parse(s.Cron, s.TimeZone);
        var next = s.Paused || cron is null ? [] : cron.NextTimes(time.GetUtcNow(), 5);
        return new ScheduleResource(s.Id, s.Name, s.ReportType, s.Format, s.Parameters, s.Cron, s.TimeZone, s.Paused, s.MissedPolicy,
            s.WebhookUrl, s.EmailRecipients, s.LastFireAt, next, s.CreatedAt, s.SkippedFires, s.LastSkippedFireAt);
    }

    private static ProblemHttpResult NotFound(Guid id) =>
        TypedResults.Problem(detail: $"No schedule {id}.", statusCode: StatusCodes.Status404NotFound, title: "Schedule not found.", type: ProblemTypes.NotFound);
}
