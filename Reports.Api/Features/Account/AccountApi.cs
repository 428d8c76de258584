using Microsoft.AspNetCore.Http.HttpResults;
using Reports.Api.Auth;
using Reports.Core.Access;

namespace Reports.Api.Features.Account;

/// <summary>/api/account: the caller's own settings, such as the secret that signs their webhooks.</summary>
public static class AccountApi
{
    public static RouteGroupBuilder MapAccountApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/account").WithTags("Account").RequireAuthorization();
        group.MapGet("/webhook-secret", GetAsync).WithName("GetWebhookSecret")
            .WithSummary("The secret that signs this owner's webhooks (created on first call).")
            .WithDescription("Verify a webhook by the HMAC-SHA256 of its timestamp and body with this secret (see the README).");
        group.MapPost("/webhook-secret/rotate", RotateAsync).WithName("RotateWebhookSecret")
            .WithSummary("Replaces the webhook secret; deliveries from now on are signed with the new one.")
            .WithDescription("Answers the new secret; the previous one signs nothing more.");
        return group;
    }

    private static async Task<Ok<WebhookSecret>> GetAsync(HttpContext http, OwnerSecrets secrets, CancellationToken cancellationToken) =>
        TypedResults.Ok(new WebhookSecret(await secrets.GetOrCreateAsync(http.User.Owner(), cancellationToken)));

    private static async Task<Ok<WebhookSecret>> RotateAsync(HttpContext http, OwnerSecrets secrets, CancellationToken cancellationToken) =>
        TypedResults.Ok(new WebhookSecret(await secrets.RotateAsync(http.User.Owner(), cancellationToken)));
}

public sealed record WebhookSecret(string Secret);
