using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Reports.Api.Auth;
using Reports.Api.Problems;
using Reports.Core.Notifications;

namespace Reports.Api.Features.Notifications;

/// <summary>/api/notifications: the caller's in-app notifications of finished reports, newest first.</summary>
public static class NotificationsApi
{
    public static RouteGroupBuilder MapNotificationsApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/notifications").WithTags("Notifications").RequireAuthorization();
        group.MapGet("/", ListAsync).WithName("ListNotifications").WithSummary("Notifications of the caller's finished reports, newest first.")
            .WithDescription("One notification per finished report that asked for none other; `unread=true` lists only unread ones.");
        group.MapPost("/{id:guid}/read", ReadAsync).WithName("ReadNotification").WithSummary("Marks a notification read.")
            .WithDescription("204 once read; another owner's notification answers 404, like a missing one.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<Results<Ok<IReadOnlyList<NotificationResource>>, ValidationProblem>> ListAsync(
        HttpContext http, NotificationStore store, [Description("Only unread ones.")] bool? unread,
        [Description("1 to 200 (default 50).")] int? limit, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 200)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = ["Must be between 1 and 200."] }, type: ProblemTypes.Validation);
        }

        var items = await store.ListInAppAsync(http.User.Owner(), unread ?? false, limit ?? 50, cancellationToken);
        return TypedResults.Ok<IReadOnlyList<NotificationResource>>([.. items.Select(n => new NotificationResource(n.Id, n.JobId, n.Event, n.Status == "unread", n.CreatedAt))]);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> ReadAsync(Guid id, HttpContext http, NotificationStore store, CancellationToken cancellationToken) =>
        await store.MarkReadAsync(id, http.User.Owner(), cancellationToken)
            ? TypedResults.NoContent()
            : TypedResults.Problem(detail: $"No notification {id}.", statusCode: StatusCodes.Status404NotFound, title: "Notification not found.", type: ProblemTypes.NotFound);
}

/// <summary>An in-app notification: which report, what happened, whether it was read.</summary>
public sealed record NotificationResource(Guid Id, Guid ReportId, string Event, bool Unread, DateTimeOffset CreatedAt);
