namespace Reports.Core;

/// <summary>The names under which Reports emits traces and metrics; registered once in ServiceDefaults.</summary>
public static class TelemetryNames
{
    public const string ActivitySourceName = "Reports";
    public const string MeterName = "Reports";
}
