using System.Text.Json.Serialization;

namespace Reports.Bench.Peers;

/// <summary>
/// How a peer runner talks to Reports.Bench, which runs it as a child process (this file is compiled into both; the
/// BullMQ runner, bench/peers/bullmq, follows it too): progress on stderr, one <see cref="PeerResult"/> JSON line on stdout.
/// </summary>
internal static class PeerProtocol
{
    /// <summary>The stderr line that starts with this (after a <c>[peer]</c> tag) opens the timed batch: CPU is measured from there.</summary>
    public const string TimedBatchMarker = "timed batch started";
}

/// <summary>The one JSON line a peer runner prints at the end of its timed batch.</summary>
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
