namespace Reports.Core.Access;

/// <summary>An API key as stored: never the secret itself, only its public prefix and hash.</summary>
public sealed record ApiKey
{
    public required Guid Id { get; init; }
    public required string Prefix { get; init; }
    public required string Owner { get; init; }
    public required string Role { get; init; }
    public required string Name { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? RevokedAt { get; init; }
    public DateTimeOffset? LastUsedAt { get; init; }
}

public static class Roles
{
    public const string User = "user";
    public const string Admin = "admin";

    public static bool IsKnown(string role) => role is User or Admin;
}
