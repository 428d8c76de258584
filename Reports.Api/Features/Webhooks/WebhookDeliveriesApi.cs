using Microsoft.AspNetCore.Http.HttpResults;
using Reports.Api.Auth;
using Reports.Api.Features.Reports;
using Reports.Core.Storage;
using Reports.Core.Webhooks;

namespace Reports.Api.Features.Webhooks;

/// <summary>GET /api/reports/{id}/webhook-deliveries: the record of a report's webhook deliveries, for its owner.</summary>
public static class WebhookDeliveriesApi
{
    public static RouteGroupBuilder MapWebhookDeliveriesApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/reports").WithTags("Webhooks").RequireAuthorization();
        group.MapGet("/{id:guid}/webhook-deliveries", ListAsync).WithName("ListWebhookDeliveries")
            .WithSummary("The report's webhook deliveries: status, attempts and the last answer of each.")
            .WithDescription("Each delivery keeps the same id (sent as Reports-Delivery) on every attempt; a pending one shows its next attempt.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{id:guid}/webhook-deliveries/replay", ReplayAsync).WithName("ReplayWebhookDeliveriesOfReport")
            .WithSummary("Sends again the report's webhook deliveries that gave up, each under its own delivery id.")
            .WithDescription("Each failed delivery is pending again now, with a new retry window and a signature made at send time; "
                + "deliveries pending or delivered are left alone, so a delivery is never sent twice by replaying it twice. 404 for another owner's report.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<Results<Ok<WebhookDeliveryList>, ProblemHttpResult>> ListAsync(
        Guid id, HttpContext http, JobStore jobs, WebhookDeliveryStore deliveries, CancellationToken cancellationToken)
    {
        if (await jobs.GetAsync(id, http.User.OwnerScope(), cancellationToken) is null)
        {
            return ReportsApi.NotFound(id);
        }

        var items = await deliveries.ListAsync(id, cancellationToken);
        return TypedResults.Ok(new WebhookDeliveryList([.. items.Select(d => new WebhookDeliveryResource(
            d.Id, d.Event, d.Status, d.Attempts, d.LastStatusCode, d.LastError, d.LastErrorCode, d.CreatedAt, d.DeliveredAt,
            d.Status == WebhookDeliveryStatus.Pending ? d.NextAttemptAt : null, d.Replays))]));
    }


    private static async Task<Results<Ok<WebhookReplayResult>, ProblemHttpResult>> ReplayAsync(
        Guid id, HttpContext http, JobStore jobs, WebhookDeliveryStore deliveries, CancellationToken cancellationToken)
    {
        if (await jobs.GetAsync(id, http.User.OwnerScope(), cancellationToken) is null)
        {
            return ReportsApi.NotFound(id);
        }

        return TypedResults.Ok(new WebhookReplayResult(await deliveries.ReplayFailedAsync(id, cancellationToken)));
    }
}

/// <summary>How many of the report's deliveries that gave up are pending again.</summary>
public sealed record WebhookReplayResult(int Replayed);

public sealed record WebhookDeliveryList(IReadOnlyList<WebhookDeliveryResource> Items);

/// <summary>One delivery: the same <c>id</c> is sent as <c>Reports-Delivery</c> on every attempt.</summary>
public sealed record WebhookDeliveryResource(
    Guid Id, string Event, string Status, int Attempts, int? LastStatusCode, string? LastError, string? LastErrorCode,
    DateTimeOffset CreatedAt, DateTimeOffset? DeliveredAt, DateTimeOffset? NextAttemptAt, int Replays);
