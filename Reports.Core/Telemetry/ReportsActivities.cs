using System.Diagnostics;

namespace Reports.Core.Telemetry;

/// <summary>
/// The <c>Reports</c> activity source and the names and attributes of its spans: one trace runs from the API request
/// through the queue message (its W3C <c>traceparent</c>) into the worker's job, its pages, blocks and completion.
/// </summary>
public static class ReportsActivities
{
    public static readonly ActivitySource Source = new(TelemetryNames.ActivitySourceName);

    public const string Publish = "reports.queue publish";
    public const string Acknowledge = "reports.queue ack";
    public const string Hold = "reports.queue hold";
    public const string HandBack = "reports.queue hand back";
    public const string Trim = "reports.queue trim";
    public const string Job = "reports.job";
    public const string Claim = "reports.job claim";
    public const string Complete = "reports.job complete";
    public const string Page = "reports.page read";
    public const string Block = "reports.block upload";

    public const string JobIdTag = "reports.job.id";
    public const string ReportTypeTag = "reports.report.type";
    public const string FormatTag = "reports.report.format";
    public const string QueueTag = "reports.queue";
    public const string AttemptTag = "reports.job.attempt";
    public const string OutcomeTag = "reports.job.outcome";
    public const string PageTag = "reports.page.number";
    public const string PartitionTag = "reports.partition";
    public const string HelpTag = "reports.partition.help";
    public const string BlockTag = "reports.block.sequence";
    public const string RowsTag = "reports.rows";
    public const string BytesTag = "reports.bytes";
    public const string TrimmedTag = "reports.queue.trimmed";

    /// <summary>
    /// The span of one queue message in a worker, continuing the trace of the request that created the job: its parent is
    /// the message's <c>traceparent</c> (a new trace when it has none or it does not parse).
    /// </summary>
    public static Activity? StartJob(Guid jobId, string queue, string? messageId, string? traceParent)
    {
        var parent = ActivityContext.TryParse(traceParent, null, isRemote: true, out var context) ? context : default;
        var activity = Source.StartActivity(Job, ActivityKind.Consumer, parent);
        activity?.SetTag(JobIdTag, jobId);
        activity?.SetTag(QueueTag, queue);
        activity?.SetTag("messaging.system", "redis");
        activity?.SetTag("messaging.destination.name", queue);
        activity?.SetTag("messaging.message.id", messageId);
        return activity;
    }

    /// <summary>A span around one Redis call (no Redis instrumentation package is available).</summary>
    public static Activity? StartRedis(string name, string operation, string key, ActivityKind kind = ActivityKind.Client)
    {
        var activity = Source.StartActivity(name, kind);
        activity?.SetTag("db.system.name", "redis");
        activity?.SetTag("db.operation.name", operation);
        activity?.SetTag("messaging.destination.name", key);
        return activity;
    }

    /// <summary>Marks the current span as failed with the exception as an event.</summary>
    public static void Fail(this Activity? activity, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
        activity?.AddException(exception);
    }
}
