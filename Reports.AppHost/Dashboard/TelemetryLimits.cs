namespace Reports.AppHost.Dashboard;

/// <summary>How much telemetry the dashboard keeps in memory: the newest, up to these counts; older data is dropped.</summary>
internal sealed record TelemetryLimits
{
    public int MaxSpans { get; init; } = 20_000;
    public int MaxLogs { get; init; } = 10_000;
    public int MaxSeries { get; init; } = 2_000;
    public int MaxPointsPerSeries { get; init; } = 360;
}
