namespace Reports.Core.Queue;

/// <summary>Queue, stream and group names, in one place.</summary>
public static class QueueNames
{
    public const string Interactive = "reports";
    public const string Bulk = "reports-bulk";
    public const string ConsumerGroup = "workers";

    public static IReadOnlyList<string> All { get; } = [Interactive, Bulk];

    public static string Stream(string queue) => $"reports:stream:{queue}";

    /// <summary>Pub/sub channel on which every change of a job's state or progress is announced (the job id).</summary>
    public const string JobEventsChannel = "reports:job-events";

    public static bool IsKnown(string queue) => All.Contains(queue);
}
