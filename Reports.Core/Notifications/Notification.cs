namespace Reports.Core.Notifications;

/// <summary>A notification of a finished report: in-app for its owner, or an email to one recipient.</summary>
public sealed record Notification(
    Guid Id, string Owner, Guid JobId, string Event, string Channel, string Recipient, string Status, int Attempts,
    string? LastError, DateTimeOffset CreatedAt, DateTimeOffset? SentAt, DateTimeOffset? ReadAt);
