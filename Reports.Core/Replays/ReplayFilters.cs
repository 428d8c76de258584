using System.Text.Json;
using System.Text.Json.Serialization;

namespace Reports.Core.Replays;

/// <summary>
/// Which dead letters a replay selects: failed reports whose failure (<c>finished_at</c>) falls in [From, To), of a
/// report type, error code, owner and queue; every criterion left null matches all.
/// </summary>
public sealed record DeadLetterFilter
{
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }
    public string? Type { get; init; }
    public string? ErrorCode { get; init; }
    public string? Owner { get; init; }
    public string? Queue { get; init; }
}

/// <summary>
/// Which webhook deliveries a replay selects: deliveries that gave up (status failed) whose failure falls in
/// [From, To), of an owner's reports, to a URL or a host, with an error code; null matches all.
/// </summary>
public sealed record DeliveryFilter
{
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }
    public string? Owner { get; init; }
    public string? Url { get; init; }
    public string? Host { get; init; }
    public string? ErrorCode { get; init; }

    /// <summary>One report's deliveries only.</summary>
    public Guid? ReportId { get; init; }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DeadLetterFilter))]
[JsonSerializable(typeof(DeliveryFilter))]
internal sealed partial class ReplayFilterJson : JsonSerializerContext;
