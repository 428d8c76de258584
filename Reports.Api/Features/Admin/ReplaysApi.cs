using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Reports.Api.Auth;
using Reports.Api.Features.Reports;
using Reports.Api.Problems;
using Reports.Core.Queue;
using Reports.Core.Replays;

namespace Reports.Api.Features.Admin;

/// <summary>
/// Bulk replay for admins: dead letters and webhook deliveries that gave up, selected by filter, previewed, then
/// replayed by the workers' runner at <c>Reports:Replay:JobsPerSecond</c>, with pause, resume and cancel.
/// </summary>
public static class ReplaysApi
{
    private const int SampleSize = 10;
    private const int MaxText = 200;
    private const int MaxItemsPage = 1000;

    public static RouteGroupBuilder MapReplays(this RouteGroupBuilder admin)
    {
        admin.MapPost("/dead-letters/replays/preview", PreviewDeadLettersAsync).WithName("PreviewDeadLetterReplay")
            .WithSummary("What a replay of dead letters would select: how many, how many were replayed already, and the first ten.")
            .WithDescription("Failed reports whose failure falls in [from, to), oldest failure first; every criterion is optional.");
        admin.MapPost("/dead-letters/replays", CreateDeadLetterReplayAsync).WithName("ReplayDeadLetters")
            .WithSummary("Replays the dead letters a filter selects, at a bounded rate: each becomes a new report linked to it (replayOf).")
            .WithDescription("Answers 201 with the replay; the selection is taken now. A dead letter is replayed once whatever the replays "
                + "that select it: one already replayed is skipped. 400 when the filter selects nothing or more than Reports:Replay:MaxSelection.");
        admin.MapPost("/webhook-deliveries/replays/preview", PreviewDeliveriesAsync).WithName("PreviewWebhookReplay")
            .WithSummary("What a replay of webhook deliveries that gave up would select: how many, and the first ten.")
            .WithDescription("Deliveries whose status is failed (their retry window ran out, or the target was refused), oldest failure first.");
        admin.MapPost("/webhook-deliveries/replays", CreateDeliveryReplayAsync).WithName("ReplayWebhookDeliveries")
            .WithSummary("Sends again, at a bounded rate, the webhook deliveries that gave up and a filter selects; each keeps its delivery id.")
            .WithDescription("Answers 201 with the replay. Each delivery is pending again with a new retry window and a fresh signature at send time.");
        admin.MapGet("/replays", ListAsync).WithName("ListReplays")
            .WithSummary("The newest replays (at most 50) with their progress.")
            .WithDescription("Both kinds, newest first.");
        admin.MapGet("/replays/{id:guid}", GetAsync).WithName("GetReplay")
            .WithSummary("A replay's state and progress: selected, replayed, skipped, failed, remaining.")
            .WithDescription("Poll it to follow a replay.").ProducesProblem(StatusCodes.Status404NotFound);
        admin.MapGet("/replays/{id:guid}/items", ItemsAsync).WithName("ListReplayItems")
            .WithSummary("A replay's members in their order, a page at a time: outcome, and the new report of each replayed dead letter.")
            .WithDescription("Members not reached yet have no outcome. Pass nextAfter as `after` for the next page; `outcome` narrows the list.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        admin.MapPost("/replays/{id:guid}/pause", PauseAsync).WithName("PauseReplay")
            .WithSummary("Pauses a running replay; nothing more is replayed until it is resumed.")
            .WithDescription("409 unless the replay is running.").ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        admin.MapPost("/replays/{id:guid}/resume", ResumeAsync).WithName("ResumeReplay")
            .WithSummary("Resumes a paused replay where it stopped.")
            .WithDescription("409 unless the replay is paused.").ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        admin.MapPost("/replays/{id:guid}/cancel", CancelAsync).WithName("CancelReplay")
            .WithSummary("Cancels a running or paused replay; what it replayed stays replayed, the rest is left as it is.")
            .WithDescription("409 when the replay has completed or was cancelled.").ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return admin;
    }

    private static async Task<Results<Ok<DeadLetterPreview>, ValidationProblem>> PreviewDeadLettersAsync(
        DeadLetterFilterRequest request, ReplayStore store, ReportResources resources, CancellationToken cancellationToken)
    {
        if (Invalid(request) is { } errors)
        {
            return Validation(errors);
        }

        var preview = await store.PreviewDeadLettersAsync(ToFilter(request), SampleSize, cancellationToken);
        return TypedResults.Ok(new DeadLetterPreview(preview.Count, preview.CountCapped, preview.AlreadyReplayed,
            [.. preview.Sample.Select(j => new DeadLetterSample(resources.From(j), j.Owner, j.Queue))]));
    }

    private static async Task<Results<Created<ReplayResource>, ValidationProblem>> CreateDeadLetterReplayAsync(
        DeadLetterFilterRequest request, HttpContext http, ReplayStore store, IOptions<ReplayOptions> options, CancellationToken cancellationToken)
    {
        if (Invalid(request) is { } errors)
        {
            return Validation(errors);
        }

        var created = await store.CreateDeadLetterReplayAsync(ToFilter(request), http.User.Owner(), options.Value.MaxSelection, cancellationToken);
        return Created(created, "dead letters", options.Value.MaxSelection);
    }

    private static async Task<Results<Ok<DeliveryPreview>, ValidationProblem>> PreviewDeliveriesAsync(
        DeliveryFilterRequest request, ReplayStore store, CancellationToken cancellationToken)
    {
        if (Invalid(request) is { } errors)
        {
            return Validation(errors);
        }

        var preview = await store.PreviewDeliveriesAsync(ToFilter(request), SampleSize, cancellationToken);
        return TypedResults.Ok(new DeliveryPreview(preview.Count, preview.CountCapped, [.. preview.Sample.Select(d => new FailedDeliveryResource(
            d.Id, d.JobId, d.Url, d.Event, d.Attempts, d.Replays, d.LastStatusCode, d.LastErrorCode, d.LastError, d.CreatedAt, d.FailedAt))]));
    }

    private static async Task<Results<Created<ReplayResource>, ValidationProblem>> CreateDeliveryReplayAsync(
        DeliveryFilterRequest request, HttpContext http, ReplayStore store, IOptions<ReplayOptions> options, CancellationToken cancellationToken)
    {
        if (Invalid(request) is { } errors)
        {
            return Validation(errors);
        }

        var created = await store.CreateDeliveryReplayAsync(ToFilter(request), http.User.Owner(), options.Value.MaxSelection, cancellationToken);
        return Created(created, "webhook deliveries that gave up", options.Value.MaxSelection);
    }

    private static async Task<Ok<ReplayList>> ListAsync(ReplayStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(new ReplayList([.. (await store.ListAsync(50, cancellationToken)).Select(ReplayResource.From)]));

    private static async Task<Results<Ok<ReplayResource>, ProblemHttpResult>> GetAsync(Guid id, ReplayStore store, CancellationToken cancellationToken) =>
        await store.GetAsync(id, cancellationToken) is { } replay ? TypedResults.Ok(ReplayResource.From(replay)) : NotFound(id);

    private static async Task<Results<Ok<ReplayItemList>, ValidationProblem, ProblemHttpResult>> ItemsAsync(
        Guid id, ReplayStore store,
        [Description("Members after this position (the nextAfter of the previous page); 0 or left out: from the first.")] int? after,
        [Description("Page size, 1 to 1000 (default 1000).")] int? limit,
        [Description("Only members with this outcome: replayed, skipped, failed, or pending (not reached yet).")] string? outcome,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (after is < 0)
        {
            errors["after"] = ["Must be 0 or more."];
        }

        if (limit is < 1 or > MaxItemsPage)
        {
            errors["limit"] = [$"Must be between 1 and {MaxItemsPage}."];
        }

        if (outcome is not null && !ReplayOutcome.All.Contains(outcome, StringComparer.Ordinal))
        {
            errors["outcome"] = [$"One of {string.Join(", ", ReplayOutcome.All)}."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The replay members request is not valid.", type: ProblemTypes.Validation);
        }

        if (await store.GetAsync(id, cancellationToken) is null)
        {
            return NotFound(id);
        }

        var size = limit ?? MaxItemsPage;
        var items = await store.ItemsAsync(id, after ?? 0, size, outcome, cancellationToken);
        return TypedResults.Ok(new ReplayItemList(
            [.. items.Select(i => new ReplayItemResource(i.Position, i.ItemId, i.Outcome, i.ReplayedAs, i.DoneAt))],
            items.Count == size ? items[^1].Position : null));
    }

    private static async Task<Results<Ok<ReplayResource>, ProblemHttpResult>> PauseAsync(Guid id, ReplayStore store, CancellationToken cancellationToken) =>
        Transitioned(id, await store.PauseAsync(id, cancellationToken), "paused", "only a running replay can be paused");

    private static async Task<Results<Ok<ReplayResource>, ProblemHttpResult>> ResumeAsync(Guid id, ReplayStore store, CancellationToken cancellationToken) =>
        Transitioned(id, await store.ResumeAsync(id, cancellationToken), "resumed", "only a paused replay can be resumed");

    private static async Task<Results<Ok<ReplayResource>, ProblemHttpResult>> CancelAsync(Guid id, ReplayStore store, CancellationToken cancellationToken) =>
        Transitioned(id, await store.CancelAsync(id, cancellationToken), "cancelled", "a completed or cancelled replay cannot be cancelled");

    private static Results<Ok<ReplayResource>, ProblemHttpResult> Transitioned(Guid id, ReplayTransition transition, string verb, string rule) =>
        transition switch
        {
            { Replay: null } => NotFound(id),
            { Changed: true, Replay: { } replay } => TypedResults.Ok(ReplayResource.From(replay)),
            { Replay: { } replay } => TypedResults.Problem(detail: $"Replay {id} is {replay.Status}: {rule}.", statusCode: StatusCodes.Status409Conflict,
                title: $"The replay cannot be {verb}.", type: ProblemTypes.Conflict),
        };

    private static Results<Created<ReplayResource>, ValidationProblem> Created(ReplayCreation created, string what, int maxSelection) => created switch
    {
        { Replay: { } replay } => TypedResults.Created($"/api/admin/replays/{replay.Id}", ReplayResource.From(replay)),
        { IsEmpty: true } => Validation(new() { ["filter"] = [$"No {what} match the filter: there is nothing to replay."] }),
        _ => Validation(new() { ["filter"] = [$"More than {maxSelection} {what} match the filter (Reports:Replay:MaxSelection): narrow it."] }),
    };

    private static ProblemHttpResult NotFound(Guid id) => TypedResults.Problem(
        detail: $"No replay {id}.", statusCode: StatusCodes.Status404NotFound, title: "Replay not found.", type: ProblemTypes.NotFound);

    private static ValidationProblem Validation(Dictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, title: "The replay filter is not valid.", type: ProblemTypes.Validation);

    private static Dictionary<string, string[]>? Invalid(DeadLetterFilterRequest request)
    {
        var errors = Range(request.From, request.To);
        if (request.Queue is { } queue && !QueueNames.IsKnown(queue))
        {
            errors["queue"] = [$"Unknown queue '{queue}': one of {string.Join(", ", QueueNames.All)}."];
        }

        Text(errors, ("type", request.Type), ("errorCode", request.ErrorCode), ("owner", request.Owner));
        return errors.Count == 0 ? null : errors;
    }

    private static Dictionary<string, string[]>? Invalid(DeliveryFilterRequest request)
    {
        var errors = Range(request.From, request.To);
        if (request.Url is { } url && !Uri.TryCreate(url, UriKind.Absolute, out _))
        {
            errors["url"] = ["Must be an absolute URL."];
        }

        Text(errors, ("owner", request.Owner), ("url", request.Url), ("host", request.Host), ("errorCode", request.ErrorCode));
        return errors.Count == 0 ? null : errors;
    }

    private static Dictionary<string, string[]> Range(DateTimeOffset? from, DateTimeOffset? to) =>
        from is { } start && to is { } end && start >= end
            ? new() { ["to"] = ["Must be after from."] }
            : new(StringComparer.Ordinal);

    private static void Text(Dictionary<string, string[]> errors, params (string Name, string? Value)[] fields)
    {
        foreach (var (name, value) in fields)
        {
            if (value is not null && (value.Length == 0 || value.Length > MaxText * 10 || (name != "url" && value.Length > MaxText)))
            {
                errors.TryAdd(name, [$"Must be 1 to {(name == "url" ? MaxText * 10 : MaxText)} characters (or left out)."]);
            }
        }
    }

    private static DeadLetterFilter ToFilter(DeadLetterFilterRequest r) =>
        new() { From = r.From, To = r.To, Type = r.Type, ErrorCode = r.ErrorCode, Owner = r.Owner, Queue = r.Queue };

    private static DeliveryFilter ToFilter(DeliveryFilterRequest r) =>
        new() { From = r.From, To = r.To, Owner = r.Owner, Url = r.Url, Host = r.Host, ErrorCode = r.ErrorCode };
}
