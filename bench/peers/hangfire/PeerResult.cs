using System.Text.Json.Serialization;

namespace Reports.Bench.Peers.Hangfire;

/// <summary>The one JSON line a peer prints, the same for every peer (the BullMQ one too).</summary>
internal sealed record PeerResult
{
    public required string Peer { get; init; }
    public required int Jobs { get; init; }
    public required int Workers { get; init; }
    public required int Processes { get; init; }
    public required double Seconds { get; init; }
    public required double JobsPerSecond { get; init; }
    public required double EnqueueSeconds { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(PeerResult))]
internal sealed partial class PeerJson : JsonSerializerContext;
