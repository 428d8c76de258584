namespace Reports.Core.Replays;

/// <summary>
/// What a replayed job of one report type gets from the replaying worker's catalog: its attempts, and the definition
/// version it records and runs (a replay runs the current definition, as a resubmit would).
/// </summary>
public sealed record ReplayBudget(int Attempts, string? Version);
