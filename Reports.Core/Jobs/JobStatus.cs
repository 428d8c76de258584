namespace Reports.Core.Jobs;

/// <summary>The states of a report job; stored as these lower-case names.</summary>
public static class JobStatus
{
    public const string Queued = "queued";

    /// <summary>Outside the processing window of its queue or report type: queued again when the window opens.</summary>
    public const string Waiting = "waiting";
    public const string Running = "running";
    public const string Retrying = "retrying";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Cancelling = "cancelling";
    public const string Cancelled = "cancelled";
    public const string Expired = "expired";

    public static IReadOnlyList<string> All { get; } = [Queued, Waiting, Running, Retrying, Succeeded, Failed, Cancelling, Cancelled, Expired];

    public static bool IsFinal(string status) => status is Succeeded or Failed or Cancelled or Expired;
}
