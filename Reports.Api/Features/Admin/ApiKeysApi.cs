using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Reports.Api.Auth;
using Reports.Api.Features.Reports;
using Reports.Api.Problems;
using Reports.Core.Access;

namespace Reports.Api.Features.Admin;

/// <summary>/api/admin/api-keys: admins create keys (the secret is shown once), list and revoke them.</summary>
internal static class ApiKeysApi
{
    public static void MapApiKeys(this RouteGroupBuilder admin)
    {
        var keys = admin.MapGroup("/api-keys");
        keys.MapPost("/", CreateAsync).WithName("CreateApiKey").WithSummary("Creates an API key; its secret is in this response only.")
            .WithDescription("The key acts for its owner with its role (user or admin); only its prefix and a hash are stored.");
        keys.MapGet("/", ListAsync).WithName("ListApiKeys").WithSummary("API keys (never their secrets), newest first.")
            .WithDescription("Every key, or only an owner's with `owner`, revoked ones included.");
        keys.MapDelete("/{id:guid}", RevokeAsync).WithName("RevokeApiKey").WithSummary("Revokes a key: it stops working at once.")
            .WithDescription("Live progress streams opened with the key end too.").ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<Results<Created<CreatedApiKey>, ValidationProblem>> CreateAsync(
        CreateApiKeyRequest request, ApiKeyStore store, IOptions<JwtOptions> jwt, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (request.Owner is null || !JwtOptions.IsValidOwner(request.Owner))
        {
            errors["owner"] = ["Required: 1 to 64 letters, digits, '.', '_', '-' or '@'."];
        }
        else if (jwt.Value.IsTokenOwner(request.Owner))
        {
            errors["owner"] = [$"Owners beginning with '{jwt.Value.OwnerPrefix}' are the identity provider's users (Reports:Auth:Jwt:OwnerPrefix): a key cannot act for them."];
        }

        var role = request.Role ?? Roles.User;
        if (!Roles.IsKnown(role))
        {
            errors["role"] = [$"One of: {Roles.User}, {Roles.Admin}."];
        }

        if (request.Name is { Length: > 100 })
        {
            errors["name"] = ["At most 100 characters."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The API key request is not valid.", type: ProblemTypes.Validation);
        }

        var (key, secret) = await store.CreateAsync(request.Owner!, role, request.Name ?? request.Owner!, cancellationToken);
        return TypedResults.Created($"/api/admin/api-keys/{key.Id}", new CreatedApiKey(ApiKeyResource.From(key), secret));
    }

    private static async Task<Ok<IReadOnlyList<ApiKeyResource>>> ListAsync(string? owner, ApiKeyStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok<IReadOnlyList<ApiKeyResource>>([.. (await store.ListAsync(owner, cancellationToken)).Select(ApiKeyResource.From)]);

    private static async Task<Results<Ok<ApiKeyResource>, ProblemHttpResult>> RevokeAsync(
        Guid id, ApiKeyStore store, EventStreams streams, CancellationToken cancellationToken)
    {
        if (await store.RevokeAsync(id, cancellationToken) is not { } key)
        {
            return TypedResults.Problem(detail: $"No API key {id}.", statusCode: StatusCodes.Status404NotFound, title: "API key not found.", type: ProblemTypes.NotFound);
        }

        // Streams held through other API processes end at their next check of the key.
        streams.EndStreamsOf(id);
        return TypedResults.Ok(ApiKeyResource.From(key));
    }
}

public sealed record CreateApiKeyRequest
{
    [Description("Who the key acts for: reports created with it belong to this owner.")]
    public string? Owner { get; init; }

    [Description("\"user\" (default) or \"admin\".")]
    public string? Role { get; init; }

    [Description("A label to recognise the key by.")]
    public string? Name { get; init; }
}

public sealed record ApiKeyResource(Guid Id, string Prefix, string Owner, string Role, string Name, DateTimeOffset CreatedAt,
    DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt)
{
    public static ApiKeyResource From(ApiKey key) =>
        new(key.Id, key.Prefix, key.Owner, key.Role, key.Name, key.CreatedAt, key.RevokedAt, key.LastUsedAt);
}

/// <summary>A new key with its secret, which is never shown again.</summary>
public sealed record CreatedApiKey(ApiKeyResource Key, string Secret);
