namespace Reports.Chaos;

/// <summary>The figures of one chaos run, as written to bench/results/chaos.json.</summary>
internal sealed record ChaosResult
{
    public required int Accepted { get; init; }
    public required int Succeeded { get; init; }
    public required int Failed { get; init; }
    public required int Lost { get; init; }
    public required int Duplicated { get; init; }
    public required int Mismatched { get; init; }
    public required int Attempts { get; init; }
    public required int Kills { get; init; }
    public required int Restarts { get; init; }
    public required int Pauses { get; init; }
    public required int Workers { get; init; }
    public required double ChaosSeconds { get; init; }
    public required double TotalSeconds { get; init; }
    public required string Date { get; init; }
    public IReadOnlyList<string> Problems { get; init; } = [];

    public bool Passed => Lost == 0 && Duplicated == 0 && Mismatched == 0;
}
